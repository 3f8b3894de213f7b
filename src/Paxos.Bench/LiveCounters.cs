namespace Paxos.Bench;

/// <summary>Counts shared by the workers of a run and read by its progress line; all updates are atomic.</summary>
internal sealed class LiveCounters
{
    private long completed;
    private long failed;
    private string? firstError;

    /// <summary>Requests that succeeded so far, warm-up included.</summary>
    public long Completed => Interlocked.Read(ref completed);

    /// <summary>Requests that failed so far, warm-up included.</summary>
    public long Failed => Interlocked.Read(ref failed);

    /// <summary>The first failure seen, for the user; null if none.</summary>
    public string? FirstError => Volatile.Read(ref firstError);

    public void AddCompleted() => Interlocked.Increment(ref completed);

    public void AddFailed(string reason)
    {
        Interlocked.Increment(ref failed);
        Interlocked.CompareExchange(ref firstError, reason, null);
    }
}
