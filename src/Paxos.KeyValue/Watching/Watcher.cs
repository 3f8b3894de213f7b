using Paxos.Core;

namespace Paxos.KeyValue.Watching;

/// <summary>
/// One watch on a <see cref="ChangeFeed"/>: reports every change its <see cref="Filter"/> follows
/// from <see cref="NextIndex"/> on, in index order, each once, whole batches, until it ends. It
/// first catches up from the feed's window (reading it in bounded chunks), then follows: the apply
/// loop queues each matching batch for it and wakes its reader, so a waiting watcher holds no
/// thread. Its queue is bounded (<see cref="ChangeFeedOptions.WatcherQueueBytes"/>): a watcher
/// whose reader falls that far behind is dropped and ends with <see cref="WatchEndReason.FellBehind"/>.
/// One reader at a time; dispose it to stop watching.
/// </summary>
public sealed class Watcher : IDisposable
{
    private readonly ChangeFeed _feed;
    private readonly long _queueLimit;

    /// <summary>Guards the queue, its bytes, the end and the waiting reader; taken inside the feed's lock, never around it.</summary>
    private readonly Lock _lock = new();
    private readonly Queue<ChangeBatch> _queue = new();
    private readonly TaskCompletionSource _fellBehind = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _queuedBytes;
    private WatchEnd? _end;
    private TaskCompletionSource? _waiter;
    private int _disposed;

    internal Watcher(ChangeFeed feed, WatchFilter filter, ulong nextIndex, long queueLimit)
    {
        _feed = feed;
        Filter = filter;
        NextIndex = nextIndex;
        Cursor = nextIndex;
        _queueLimit = queueLimit;
    }

    /// <summary>The keys it follows.</summary>
    public WatchFilter Filter { get; }

    /// <summary>The first index it reports: every change at or above it follows.</summary>
    public ulong NextIndex { get; }

    /// <summary>Completes when it falls behind, so that a writer blocked on a client that stopped reading can give up.</summary>
    public Task FellBehind => _fellBehind.Task;

    /// <summary>
    /// While catching up, the next index to read from the window; once following, the lowest index
    /// it accepts (above the applied index for a watch that starts in the future). Guarded by the feed's lock.
    /// </summary>
    internal ulong Cursor { get; set; }

    /// <summary>Whether it receives changes from the apply loop (and has read the window up to them); set once, by its reader, under the feed's lock.</summary>
    internal bool Following { get; set; }

    /// <summary>The bytes queued for it and not read yet.</summary>
    public long QueuedBytes
    {
        get
        {
            lock (_lock)
            {
                return _queuedBytes;
            }
        }
    }

    /// <summary>
    /// Waits for the next changes and returns them: whole batches in index order, up to
    /// <paramref name="maxBytes"/> (the first batch always, whatever its size), and the end once it
    /// has ended (after everything queued before it, except when it fell behind).
    /// </summary>
    public async Task<WatchRead> ReadAsync(long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        while (true)
        {
            if (!Following && _feed.CatchUp(this, maxBytes) is { } caughtUp)
            {
                return caughtUp;
            }
            Task wake;
            lock (_lock)
            {
                if (_queue.Count > 0)
                {
                    return new WatchRead(TakeQueued(maxBytes), null);
                }
                if (_end is not null)
                {
                    return new WatchRead([], _end);
                }
                _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wake = _waiter.Task;
            }
            await wake.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops watching: leaves the feed and frees what was queued.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _feed.Remove(this);
        lock (_lock)
        {
            _feed.Release(_queuedBytes);
            _queue.Clear();
            _queuedBytes = 0;
        }
    }

    /// <summary>
    /// Queues <paramref name="batch"/> and wakes the reader (called by the apply loop under the
    /// feed's lock). Returns false, and queues nothing more, once the watcher has ended or fell
    /// behind now: its queue (not empty) cannot take the batch within its bound or the feed's.
    /// </summary>
    internal bool Offer(ChangeBatch batch)
    {
        lock (_lock)
        {
            Invariant.Check(batch.Index >= Cursor, "a following watcher is offered no batch below its cursor");
            if (_end is not null || Volatile.Read(ref _disposed) != 0)
            {
                return false;
            }
            if (_queue.Count > 0 && (_queuedBytes + batch.Bytes > _queueLimit || !_feed.HasRoomFor(batch.Bytes)))
            {
                _end = new WatchEnd(WatchEndReason.FellBehind, _queue.Peek().Index);
                _feed.Release(_queuedBytes);
                _queue.Clear();
                _queuedBytes = 0;
                Wake();
                _fellBehind.TrySetResult();
                return false;
            }
            _queue.Enqueue(batch);
            _queuedBytes += batch.Bytes;
            _feed.Reserve(batch.Bytes);
            Wake();
            return true;
        }
    }

    /// <summary>Ends it once its reader has taken what is queued (called under the feed's lock).</summary>
    internal void EndAfterQueue(WatchEnd end)
    {
        lock (_lock)
        {
            _end ??= end;
            Wake();
        }
    }

    private List<ChangeBatch> TakeQueued(long maxBytes)
    {
        var batches = new List<ChangeBatch>();
        long bytes = 0;
        while (_queue.TryPeek(out ChangeBatch? next) && (batches.Count == 0 || bytes + next.Bytes <= maxBytes))
        {
            batches.Add(_queue.Dequeue());
            bytes += next.Bytes;
        }
        _queuedBytes -= bytes;
        _feed.Release(bytes);
        Invariant.Check(_queuedBytes >= 0 && (_queue.Count > 0 || _queuedBytes == 0), "a watcher's queued bytes are those of its queue");
        return batches;
    }

    private void Wake()
    {
        _waiter?.TrySetResult();
        _waiter = null;
    }
}
