using Paxos.Core;

namespace Paxos.KeyValue.Watching;

/// <summary>
/// The changes a <see cref="KeyValueStateMachine"/> applies, for watches: every put (also of an
/// equal value) and every delete of a key that existed, grouped by the index of the command that
/// made them. Keeps a bounded window of recent changes (<see cref="ChangeFeedOptions"/>) so that
/// a watch can start in the past, and hands each new batch to the watchers that follow its keys.
/// </summary>
/// <remarks>
/// <para><b>Indexes.</b> <see cref="FirstAvailableIndex"/> is the lowest index from which this
/// feed has every change: 1 on a fresh store, the index after a restored snapshot's, or after the
/// newest batch forgotten to keep the window in its bounds. A watch from below it ends with
/// <see cref="WatchEndReason.OutOfRange"/>. A restored snapshot also ends, with the same reason,
/// every watcher that would otherwise miss the changes the snapshot skipped.</para>
/// <para><b>Threads.</b> The apply loop alone records, publishes and resets (inside
/// <see cref="KeyValueStateMachine.Apply"/> and <see cref="KeyValueStateMachine.RestoreSnapshot"/>);
/// watchers read from any thread. One lock guards the window and the following watchers, so a
/// watcher moves from reading the window to following new batches with nothing in between.</para>
/// </remarks>
public sealed class ChangeFeed
{
    private readonly ChangeFeedOptions _options;
    private readonly Lock _lock = new();
    private readonly ChangeWindow _window;
    private readonly WatcherIndex _following = new();

    /// <summary>The changes of the command being applied; the apply loop's alone.</summary>
    private readonly List<ChangeEvent> _pending = [];

    /// <summary>Scratch lists of <see cref="Publish"/>, under the lock.</summary>
    private readonly List<Watcher> _matches = [];
    private readonly HashSet<Watcher> _distinct = [];

    private ulong _appliedIndex;
    private int _watchers;
    private long _queuedBytes;

    /// <summary>A feed with the default <see cref="ChangeFeedOptions"/>.</summary>
    public ChangeFeed()
        : this(new ChangeFeedOptions())
    {
    }

    /// <summary>A feed with the given bounds.</summary>
    public ChangeFeed(ChangeFeedOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _window = new ChangeWindow(options.WindowBytes, options.WindowIndexes);
    }

    /// <summary>Planted bug for the simulator (no shipped program sets it): a restored snapshot ends no watcher, so those past which it jumps miss changes.</summary>
    internal bool PlantKeepWatchersOnReset { get; set; }

    /// <summary>The lowest index from which every change is kept here; a watch can start at it or above.</summary>
    public ulong FirstAvailableIndex
    {
        get
        {
            lock (_lock)
            {
                return _window.FirstAvailable;
            }
        }
    }

    /// <summary>The batches and bytes in the window.</summary>
    public (int Batches, long Bytes) Window
    {
        get
        {
            lock (_lock)
            {
                return (_window.Count, _window.Bytes);
            }
        }
    }

    /// <summary>The number of watchers.</summary>
    public int WatcherCount => Volatile.Read(ref _watchers);

    /// <summary>The bytes queued for all watchers and not read yet.</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>
    /// Starts a watch of the keys <paramref name="filter"/> follows from <paramref name="startIndex"/>
    /// (0: from the next index applied). Returns null when <see cref="ChangeFeedOptions.MaxWatchers"/>
    /// watchers exist already.
    /// </summary>
    public Watcher? TryWatch(WatchFilter filter, ulong startIndex)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Validate() is { } error)
        {
            throw new ArgumentException(error, nameof(filter));
        }
        lock (_lock)
        {
            if (_watchers >= _options.MaxWatchers)
            {
                return null;
            }
            _watchers++;
            return new Watcher(this, filter, startIndex == 0 ? _appliedIndex + 1 : startIndex, _options.WatcherQueueBytes);
        }
    }

    /// <summary>Records a change of the command being applied (from the store's one place where keys are set and removed).</summary>
    internal void Record(ChangeKind kind, string key, ReadOnlyMemory<byte> value) => _pending.Add(new ChangeEvent(kind, key, value));

    /// <summary>Publishes the changes recorded since the last call as the batch of the command at <paramref name="index"/>, if there are any.</summary>
    internal void Publish(ulong index)
    {
        lock (_lock)
        {
            Invariant.Check(index > _appliedIndex, "changes are published in index order");
            _appliedIndex = index;
            if (_pending.Count == 0)
            {
                return;
            }
            var batch = new ChangeBatch(index, [.. _pending]);
            _pending.Clear();
            _window.Append(batch);
            Dispatch(batch);
        }
    }

    /// <summary>
    /// The state was replaced by a snapshot at <paramref name="appliedIndex"/>: forgets the window
    /// (changes up to that index are not known here) and ends every following watcher that would
    /// miss a change or see one twice, after what is queued for it.
    /// </summary>
    internal void Reset(ulong appliedIndex)
    {
        lock (_lock)
        {
            ulong previous = _appliedIndex;
            _pending.Clear();
            _window.Reset(appliedIndex + 1);
            _appliedIndex = appliedIndex;
            var end = new WatchEnd(WatchEndReason.OutOfRange, appliedIndex + 1);
            foreach (Watcher watcher in _following.All.ToList())
            {
                bool misses = appliedIndex >= previous ? Math.Max(watcher.Cursor, previous + 1) <= appliedIndex : watcher.Cursor <= previous;
                if (misses && !PlantKeepWatchersOnReset)
                {
                    _following.Remove(watcher);
                    watcher.EndAfterQueue(end);
                }
            }
        }
    }

    /// <summary>
    /// Reads the next chunk of the window for a watcher that catches up, of at most
    /// <paramref name="budget"/> bytes (one batch at least). When that reaches the end of the
    /// window, the watcher follows from then on, and null is returned if the chunk is empty.
    /// </summary>
    internal WatchRead? CatchUp(Watcher watcher, long budget)
    {
        lock (_lock)
        {
            Invariant.Check(!watcher.Following, "only a watcher that does not follow yet catches up");
            if (watcher.Cursor < _window.FirstAvailable)
            {
                var end = new WatchEnd(WatchEndReason.OutOfRange, _window.FirstAvailable);
                watcher.EndAfterQueue(end);
                return new WatchRead([], end);
            }
            var batches = new List<ChangeBatch>();
            if (_window.Read(watcher.Cursor, watcher.Filter, budget, batches) is { } next)
            {
                watcher.Cursor = next;
                return new WatchRead(batches, null);
            }
            watcher.Cursor = Math.Max(watcher.Cursor, _appliedIndex + 1);
            watcher.Following = true;
            _following.Add(watcher);
            return batches.Count > 0 ? new WatchRead(batches, null) : null;
        }
    }

    internal void Remove(Watcher watcher)
    {
        lock (_lock)
        {
            _following.Remove(watcher);
            _watchers--;
            Invariant.Check(_watchers >= 0 && _following.Count <= _watchers, "every following watcher is counted");
        }
    }

    internal bool HasRoomFor(long bytes) => Interlocked.Read(ref _queuedBytes) + bytes <= _options.AllWatchersQueueBytes;

    internal void Reserve(long bytes) => Interlocked.Add(ref _queuedBytes, bytes);

    internal void Release(long bytes) => Interlocked.Add(ref _queuedBytes, -bytes);

    /// <summary>Offers <paramref name="batch"/> (or the part of it they follow) to the watchers that follow one of its keys; drops those that fell behind.</summary>
    private void Dispatch(ChangeBatch batch)
    {
        foreach (ChangeEvent change in batch.Events)
        {
            _following.CollectMatches(change.Key, _matches);
        }
        foreach (Watcher watcher in _matches)
        {
            if (!_distinct.Add(watcher) || batch.Index < watcher.Cursor)
            {
                continue;
            }
            ChangeBatch selected = batch.Events.Count == 1 ? batch : batch.Select(watcher.Filter)!;
            if (!watcher.Offer(selected))
            {
                _following.Remove(watcher);
            }
        }
        _matches.Clear();
        _distinct.Clear();
    }
}
