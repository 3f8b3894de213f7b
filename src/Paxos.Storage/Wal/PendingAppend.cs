using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;

namespace Paxos.Storage.Wal;

/// <summary>
/// One queued asynchronous append and the reusable awaitable its caller waits on, pooled so that the append path
/// does not allocate a task per record.
/// </summary>
internal sealed class PendingAppend : IValueTaskSource<long>
{
    private readonly ConcurrentQueue<PendingAppend> _pool;
    private ManualResetValueTaskSourceCore<long> _core = new() { RunContinuationsAsynchronously = true };

    private PendingAppend(ConcurrentQueue<PendingAppend> pool) => _pool = pool;

    /// <summary>The type of a single-record append.</summary>
    public byte Type { get; private set; }

    /// <summary>The payload of a single-record append.</summary>
    public ReadOnlyMemory<byte> Payload { get; private set; }

    /// <summary>The records of a batch append; empty for a single-record append.</summary>
    public ReadOnlyMemory<WalAppend> Batch { get; private set; }

    /// <summary>The last sequence number the writer assigned to this append.</summary>
    public long Result { get; set; }

    /// <summary>The awaitable completed with the last sequence number assigned, after the covering fsync.</summary>
    public ValueTask<long> Completion => new(this, _core.Version);

    public static PendingAppend Rent(ConcurrentQueue<PendingAppend> pool, byte type, ReadOnlyMemory<byte> payload, ReadOnlyMemory<WalAppend> batch)
    {
        PendingAppend item = pool.TryDequeue(out PendingAppend? pooled) ? pooled : new PendingAppend(pool);
        item.Type = type;
        item.Payload = payload;
        item.Batch = batch;
        return item;
    }

    /// <summary>Returns an item whose completion was never handed out (its enqueue failed).</summary>
    public void ReturnUnused()
    {
        Clear();
        _pool.Enqueue(this);
    }

    public void SetResult(long lastSequence) => _core.SetResult(lastSequence);

    public void SetException(Exception error) => _core.SetException(error);

    public long GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            ReturnUnused();
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void Clear()
    {
        Payload = default;
        Batch = default;
        _core.Reset();
    }
}
