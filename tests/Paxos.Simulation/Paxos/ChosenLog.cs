using System.Globalization;
using System.Text;
using Paxos.Checking;
using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.KeyValue;
using Paxos.KeyValue.Watching;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// The chosen log as the run learns it (each slot when a replica first applies it, which is in slot
/// order: a replica applies in order, and a snapshot holds only what some replica applied), applied
/// to a reference <see cref="KeyValueStateMachine"/> outside every node. From the reference's state
/// before and after each command it derives that command's changes to the clients' keys (a put: the
/// key's index is now the command's; a delete: the key existed and no longer does), without the
/// change feed whose delivery the watches check. It also turns each lease expiry that took effect
/// into a <see cref="KvOperationKind.LeaseExpire"/> of the history, invoked when its leader first
/// proposed it (no expiry takes effect earlier) and completed when it was first applied.
/// </summary>
internal sealed class ChosenLog(PaxosWorld world)
{
    private readonly KeyValueStateMachine _reference = new();
    private readonly Dictionary<(ulong Lease, Ballot Epoch), TimeSpan> _expiryProposed = [];
    private readonly List<ulong> _indexes = [];
    private readonly List<ChangeEvent[]> _changes = [];
    private ulong _slot;
    private ulong _index;

    /// <summary>Every change to a client key in the chosen log so far.</summary>
    public int ChangeCount => _changes.Count;

    /// <summary>A replica, having applied every slot up to <paramref name="previousSlot"/>, applies <paramref name="entry"/>.</summary>
    public void OnApplied(ulong previousSlot, LogEntry entry)
    {
        if (entry.Slot <= _slot || entry.Slot != previousSlot + 1)
        {
            return; // known already, or not a prefix (the safety monitor reports that)
        }

        if (entry.Slot != _slot + 1)
        {
            throw new SafetyViolationException(string.Create(CultureInfo.InvariantCulture, $"slot {entry.Slot} was applied before any replica applied slot {_slot + 1}"));
        }

        _slot = entry.Slot;
        foreach (ReadOnlyMemory<byte> command in entry.Value.Commands)
        {
            ApplyCommand(++_index, command);
        }
    }

    /// <summary>A leader proposed <paramref name="expire"/>.</summary>
    public void OnExpiryProposed(LeaseExpireCommand expire) => _expiryProposed.TryAdd((expire.LeaseId, expire.Epoch), world.Scheduler.Now);

    /// <summary>The first changes at or above <paramref name="from"/> that <paramref name="filter"/> follows, in key order, with their index; null if the chosen log has none yet.</summary>
    public (ulong Index, ChangeEvent[] Events)? NextChange(WatchFilter filter, ulong from)
    {
        int position = _indexes.BinarySearch(from);
        for (position = position < 0 ? ~position : position; position < _indexes.Count; position++)
        {
            ChangeEvent[] matching = [.. _changes[position].Where(change => filter.Matches(change.Key))];
            if (matching.Length > 0)
            {
                return (_indexes[position], matching);
            }
        }

        return null;
    }

    /// <summary>Renders changes for a violation report.</summary>
    public static string Describe(IEnumerable<ChangeEvent> changes) => string.Join(", ", changes.Select(change =>
        change.Kind == ChangeKind.Put ? $"PUT {change.Key}={Encoding.UTF8.GetString(change.Value.Span)}" : $"DELETE {change.Key}"));

    private void ApplyCommand(ulong index, ReadOnlyMemory<byte> command)
    {
        var before = new bool[SimClient.Keys];
        for (int k = 0; k < SimClient.Keys; k++)
        {
            before[k] = _reference.TryGet(Key(k), out _, out _);
        }

        KeyValueResult result = KeyValueResultCodec.Decode(_reference.Apply(index, command.Span));
        var changes = new List<ChangeEvent>();
        for (int k = 0; k < SimClient.Keys; k++)
        {
            if (_reference.TryGet(Key(k), out ReadOnlyMemory<byte> value, out ulong at))
            {
                if (at == index)
                {
                    changes.Add(new ChangeEvent(ChangeKind.Put, Key(k), value));
                }
            }
            else if (before[k])
            {
                changes.Add(new ChangeEvent(ChangeKind.Delete, Key(k), ReadOnlyMemory<byte>.Empty));
            }
        }

        if (changes.Count > 0)
        {
            _indexes.Add(index);
            _changes.Add([.. changes]);
        }

        if (KeyValueCommandCodec.Decode(command.Span) is LeaseExpireCommand expire && result is LeaseRevokeResult { Found: true })
        {
            TimeSpan proposed = _expiryProposed.GetValueOrDefault((expire.LeaseId, expire.Epoch), world.Scheduler.Now);
            int op = world.History.Invoke(-1, KvInput.LeaseExpire(expire.LeaseId), proposed);
            world.History.Complete(op, KvOutput.LeaseFound(true), world.Scheduler.Now);
            world.Trace.Add($"lease {expire.LeaseId} expired at index {index} (epoch {expire.Epoch}; op #{op}): {Describe(changes)}");
        }
    }

    private static string Key(int k) => $"k{k}";
}
