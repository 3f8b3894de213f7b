using Paxos.Core.Replication;

namespace Paxos.Core.Tests.Replication;

/// <summary>
/// One node of the simulated cluster: a <see cref="ReplicaCore"/>, the durable storage its driver
/// wrote (only what a processed Ready asked to persist survives a crash), and the applied sequence of
/// its state machine (restored from its snapshot after a crash).
/// </summary>
internal sealed class SimulatedNode
{
    private readonly ReplicaOptions options;
    private readonly Membership founding;
    private readonly Membership initial;
    private readonly SortedDictionary<ulong, LogEntry> durableEntries = [];
    private HardState durableHardState = new(Ballot.Zero, 0);
    private ulong snapshotIndex;
    private List<SlotValue> snapshotState = [];

    /// <param name="options">The node's options.</param>
    /// <param name="randomSeed">Seeds its random source.</param>
    /// <param name="founding">The cluster's founding membership: a snapshot holding no membership slot carries it.</param>
    /// <param name="initial">What the node knows before any snapshot: the founding membership, or <see cref="Membership.Unknown"/> for a node that joins later.</param>
    public SimulatedNode(ReplicaOptions options, int randomSeed, Membership founding, Membership initial)
    {
        this.options = options;
        this.founding = founding;
        this.initial = initial;
        Core = new ReplicaCore(options, new SeededRandomSource(randomSeed), DurableState.Empty with { Membership = initial });
    }

    public ReplicaCore Core { get; private set; }

    public bool Up { get; private set; } = true;

    /// <summary>Applied slot values; index i holds slot i + 1.</summary>
    public List<SlotValue> Applied { get; private set; } = [];

    public void Crash() => Up = false;

    public void Restart(int randomSeed)
    {
        var recovered = new DurableState(durableHardState, snapshotIndex, durableEntries.Values.ToList(), snapshotIndex == 0 ? initial : MembershipOf(snapshotState));
        Core = new ReplicaCore(options, new SeededRandomSource(randomSeed), recovered);
        Applied = [.. snapshotState];
        Up = true;
    }

    public void Persist(Ready ready)
    {
        if (ready.HardState is { } hard)
        {
            durableHardState = hard;
        }

        foreach (LogEntry entry in ready.Entries)
        {
            if (entry.Slot > snapshotIndex)
            {
                durableEntries[entry.Slot] = entry;
            }
        }
    }

    /// <summary>The application snapshots its applied state and lets the core compact its log.</summary>
    public void TakeSnapshot()
    {
        snapshotIndex = (ulong)Applied.Count;
        snapshotState = [.. Applied];
        DropDurableEntriesUpTo(snapshotIndex);
        Core.Compact(snapshotIndex);
    }

    /// <summary>Snapshot state for a peer: everything applied up to this node's snapshot index.</summary>
    public List<SlotValue> SnapshotState => snapshotState;

    /// <summary>Installs a peer's snapshot if it is ahead of this node; returns whether it was.</summary>
    public bool InstallSnapshot(List<SlotValue> state)
    {
        var index = (ulong)state.Count;
        if (index <= Core.AppliedIndex)
        {
            return false;
        }

        snapshotIndex = index;
        snapshotState = [.. state];
        Applied = [.. state];
        DropDurableEntriesUpTo(index);
        Core.ReportSnapshotInstalled(index, MembershipOf(state));
        return true;
    }

    /// <summary>The membership chosen as of the end of <paramref name="state"/>: its last membership slot's, or the founding one.</summary>
    private Membership MembershipOf(List<SlotValue> state)
    {
        for (int i = state.Count - 1; i >= 0; i--)
        {
            if (state[i].Membership is { } chosen)
            {
                return chosen.At((ulong)i + 1);
            }
        }

        return founding;
    }

    private void DropDurableEntriesUpTo(ulong index)
    {
        while (durableEntries.Count > 0 && durableEntries.First().Key <= index)
        {
            durableEntries.Remove(durableEntries.First().Key);
        }
    }
}
