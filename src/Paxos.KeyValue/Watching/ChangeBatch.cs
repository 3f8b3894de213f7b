using System.Text;

namespace Paxos.KeyValue.Watching;

/// <summary>
/// The changes of one command, all at one index (a transaction or a lease's expiry may change many
/// keys); never empty. Watchers receive a batch whole, so the events of one index are never split.
/// </summary>
public sealed class ChangeBatch
{
    /// <summary>What a batch counts besides its events' key and value bytes, per event and once for itself: at least its objects' headers.</summary>
    internal const int OverheadBytes = 64;

    private readonly ChangeEvent[] _events;

    internal ChangeBatch(ulong index, ChangeEvent[] events)
    {
        ArgumentOutOfRangeException.ThrowIfZero(index);
        ArgumentOutOfRangeException.ThrowIfZero(events.Length);
        Index = index;
        _events = events;
        long bytes = OverheadBytes;
        foreach (ChangeEvent change in events)
        {
            bytes += Encoding.UTF8.GetByteCount(change.Key) + change.Value.Length + OverheadBytes;
        }
        Bytes = bytes;
    }

    /// <summary>The index of the command that made these changes.</summary>
    public ulong Index { get; }

    /// <summary>The changes, in the order the command made them.</summary>
    public IReadOnlyList<ChangeEvent> Events => _events;

    /// <summary>The memory the batch is counted as: its keys' UTF-8 bytes, its values and <see cref="OverheadBytes"/> per event and once.</summary>
    public long Bytes { get; }

    /// <summary>The part of this batch that <paramref name="filter"/> follows: this batch itself, a smaller one, or null if none.</summary>
    internal ChangeBatch? Select(WatchFilter filter)
    {
        int matching = 0;
        foreach (ChangeEvent change in _events)
        {
            matching += filter.Matches(change.Key) ? 1 : 0;
        }
        return matching == _events.Length ? this
            : matching == 0 ? null
            : new ChangeBatch(Index, [.. _events.Where(change => filter.Matches(change.Key))]);
    }
}
