using System.Runtime.InteropServices;

namespace Paxos.Core.Replication;

/// <summary>
/// One slot of the in-memory log: the entry of the highest ballot accepted there (if any), whether
/// the value is known to be chosen, and, on the leader, which acceptors accepted it in its ballot.
/// </summary>
internal struct LogSlot
{
    public bool Present;
    public Ballot Ballot;
    public SlotValue? Value;
    public bool Chosen;
    public uint AckMask;
}

/// <summary>
/// The slots above the snapshot index, stored in an array-backed list indexed by
/// <c>slot - SnapshotIndex - 1</c> (ordered, no hashing). Holes are slots with nothing accepted.
/// Enforces that a slot known to be chosen never gets a different value.
/// </summary>
internal sealed class ReplicaLog
{
    private readonly List<LogSlot> slots = [];

    public ReplicaLog(ulong snapshotIndex)
    {
        SnapshotIndex = snapshotIndex;
    }

    /// <summary>Slots up to this one were compacted into the application's snapshot.</summary>
    public ulong SnapshotIndex { get; private set; }

    /// <summary>The highest slot with an accepted entry (or <see cref="SnapshotIndex"/>).</summary>
    public ulong LastSlot => SnapshotIndex + (ulong)slots.Count;

    public bool Contains(ulong slot) => slot > SnapshotIndex && slot <= LastSlot && slots[Index(slot)].Present;

    /// <summary>The stored slot; only valid while the log is not resized.</summary>
    public ref LogSlot At(ulong slot)
    {
        Invariant.Check(slot > SnapshotIndex && slot <= LastSlot, "slot outside the log");
        return ref CollectionsMarshal.AsSpan(slots)[Index(slot)];
    }

    public LogEntry EntryAt(ulong slot)
    {
        ref LogSlot s = ref At(slot);
        Invariant.Check(s.Present, "no entry at slot");
        return new LogEntry(slot, s.Ballot, s.Value!);
    }

    /// <summary>Stores <paramref name="entry"/>, replacing what the slot held; a chosen slot keeps its value.</summary>
    public void Put(LogEntry entry)
    {
        Invariant.Check(entry.Slot > SnapshotIndex, "cannot write a compacted slot");
        while (LastSlot < entry.Slot)
        {
            slots.Add(default);
        }

        ref LogSlot s = ref At(entry.Slot);
        Invariant.Check(!s.Chosen || s.Value!.ContentEquals(entry.Value), "a chosen slot's value never changes");
        s.Present = true;
        s.Ballot = entry.Ballot;
        s.Value = entry.Value;
        s.AckMask = 0;
    }

    /// <summary>Drops every slot up to <paramref name="index"/>, which the application's snapshot now covers.</summary>
    public void CompactTo(ulong index)
    {
        if (index <= SnapshotIndex)
        {
            return;
        }

        int drop = (int)Math.Min(index - SnapshotIndex, (ulong)slots.Count);
        slots.RemoveRange(0, drop);
        SnapshotIndex = index;
    }

    private int Index(ulong slot) => (int)(slot - SnapshotIndex - 1);
}
