namespace Paxos.Bench;

/// <summary>Counts shared by the workers of a run and read by its progress line; all updates are atomic.</summary>
internal sealed class LiveCounters
{
    private long completed;
    private long failed;
    private long measuredFailed;
    private string? firstError;
    private string? firstMeasuredError;

    /// <summary>Requests that succeeded so far, warm-up included.</summary>
    public long Completed => Interlocked.Read(ref completed);

    /// <summary>Requests that failed so far, warm-up included.</summary>
    public long Failed => Interlocked.Read(ref failed);

    /// <summary>Requests that failed in the measured window.</summary>
    public long MeasuredFailed => Interlocked.Read(ref measuredFailed);

    /// <summary>The first failure seen, for the user; null if none.</summary>
    public string? FirstError => Volatile.Read(ref firstError);

    /// <summary>The first failure seen in the measured window; null if none.</summary>
    public string? FirstMeasuredError => Volatile.Read(ref firstMeasuredError);

    public void AddCompleted() => Interlocked.Increment(ref completed);

    /// <summary>Counts a failure, and in the measured window too if <paramref name="measured"/>; keeps the first reason of each.</summary>
    public void AddFailed(string reason, bool measured)
    {
        Interlocked.Increment(ref failed);
        Interlocked.CompareExchange(ref firstError, reason, null);
        if (measured)
        {
            Interlocked.Increment(ref measuredFailed);
            Interlocked.CompareExchange(ref firstMeasuredError, reason, null);
        }
    }
}
