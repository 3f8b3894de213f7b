namespace Paxos.Storage.Wal;

/// <summary>
/// The bounded queue between asynchronous appenders and the group-commit writer thread. Appenders wait
/// (asynchronously) for a free slot when it is full; the writer blocks on a monitor, not on the thread pool, so a
/// starved thread pool cannot stall commits.
/// </summary>
internal sealed class AppendQueue : IDisposable
{
    private readonly Queue<PendingAppend> _items = new();
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _closed = new();
    private bool _completed;

    public AppendQueue(int capacity) => _slots = new SemaphoreSlim(capacity, capacity);

    /// <summary>Adds an item, waiting for a free slot if the queue is full.</summary>
    /// <exception cref="ObjectDisposedException">The queue was completed.</exception>
    public ValueTask EnqueueAsync(PendingAppend item, CancellationToken cancellationToken)
    {
        if (_slots.Wait(0, CancellationToken.None))
        {
            Add(item);
            return ValueTask.CompletedTask;
        }
        return EnqueueSlowAsync(item, cancellationToken);
    }

    /// <summary>
    /// Blocks until items are queued, then moves all of them to <paramref name="batch"/>; returns false once the
    /// queue is completed and empty.
    /// </summary>
    public bool TakeAll(List<PendingAppend> batch)
    {
        lock (_items)
        {
            while (_items.Count == 0 && !_completed)
            {
                Monitor.Wait(_items);
            }
            while (_items.TryDequeue(out PendingAppend? item))
            {
                batch.Add(item);
            }
        }
        return batch.Count > 0;
    }

    /// <summary>Frees the slots of items the writer has finished.</summary>
    public void Release(int count) => _slots.Release(count);

    /// <summary>Refuses further items and wakes the writer and every waiting appender.</summary>
    public void Complete()
    {
        lock (_items)
        {
            _completed = true;
            Monitor.PulseAll(_items);
        }
        _closed.Cancel();
    }

    public void Dispose()
    {
        _slots.Dispose();
        _closed.Dispose();
    }

    private async ValueTask EnqueueSlowAsync(PendingAppend item, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token);
        try
        {
            await _slots.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ObjectDisposedException(nameof(WriteAheadLog));
        }
        Add(item);
    }

    private void Add(PendingAppend item)
    {
        lock (_items)
        {
            if (_completed)
            {
                _slots.Release();
                throw new ObjectDisposedException(nameof(WriteAheadLog));
            }
            _items.Enqueue(item);
            Monitor.Pulse(_items);
        }
    }
}
