using Paxos.Core;

namespace Paxos.KeyValue.Watching;

/// <summary>
/// The recent changes a node keeps for watches that start in the past, oldest first, bounded in
/// bytes and in indexes: appending past either bound forgets the oldest batches, and
/// <see cref="FirstAvailable"/> moves above them. Not thread-safe: its <see cref="ChangeFeed"/>'s lock guards it.
/// </summary>
internal sealed class ChangeWindow(long maxBytes, int maxIndexes)
{
    private readonly List<ChangeBatch> _batches = [];

    /// <summary>Where the oldest kept batch is in <see cref="_batches"/>; the ones before it are forgotten and removed in bulk.</summary>
    private int _start;

    /// <summary>The lowest index from which every change is kept: a watch can start there or above; 1 until something is forgotten.</summary>
    public ulong FirstAvailable { get; private set; } = 1;

    /// <summary>The number of batches kept.</summary>
    public int Count => _batches.Count - _start;

    /// <summary>The bytes of the batches kept.</summary>
    public long Bytes { get; private set; }

    /// <summary>Appends the newest batch, then forgets the oldest ones while a bound is passed.</summary>
    public void Append(ChangeBatch batch)
    {
        Invariant.Check(Count == 0 ? batch.Index >= FirstAvailable : batch.Index > _batches[^1].Index, "changes enter the window in index order");
        _batches.Add(batch);
        Bytes += batch.Bytes;
        while (Count > 0 && (Bytes > maxBytes || Count > maxIndexes))
        {
            ChangeBatch oldest = _batches[_start];
            _batches[_start++] = null!; // forgotten; the slot is removed in bulk below
            Bytes -= oldest.Bytes;
            FirstAvailable = oldest.Index + 1;
        }
        if (_start > 1024 && _start > _batches.Count / 2)
        {
            _batches.RemoveRange(0, _start);
            _start = 0;
        }
        Invariant.Check(Bytes >= 0 && Count <= maxIndexes, "the window stays within its bounds");
    }

    /// <summary>Forgets everything: changes below <paramref name="firstAvailable"/> are no longer known (a snapshot replaced the state).</summary>
    public void Reset(ulong firstAvailable)
    {
        _batches.Clear();
        _start = 0;
        Bytes = 0;
        FirstAvailable = firstAvailable;
    }

    /// <summary>
    /// Adds to <paramref name="into"/> the changes that <paramref name="filter"/> follows at or
    /// above <paramref name="from"/> (which must be at least <see cref="FirstAvailable"/>), whole
    /// batches in index order, until they pass <paramref name="budget"/> bytes (the first always fits).
    /// Returns the index to read on from, or null when every kept batch was read.
    /// </summary>
    public ulong? Read(ulong from, WatchFilter filter, long budget, List<ChangeBatch> into)
    {
        Invariant.Check(from >= FirstAvailable, $"reading the window from {from}, below what it keeps ({FirstAvailable})");
        int lo = _start;
        int hi = _batches.Count;
        while (lo < hi)
        {
            int mid = lo + ((hi - lo) / 2);
            if (_batches[mid].Index < from)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        long bytes = 0;
        for (int i = lo; i < _batches.Count; i++)
        {
            if (_batches[i].Select(filter) is not { } selected)
            {
                continue;
            }
            if (bytes > 0 && bytes + selected.Bytes > budget)
            {
                return selected.Index;
            }
            into.Add(selected);
            bytes += selected.Bytes;
        }
        return null;
    }
}
