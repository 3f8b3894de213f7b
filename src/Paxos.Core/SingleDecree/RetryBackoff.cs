namespace Paxos.Core.SingleDecree;

/// <summary>
/// Randomized exponential backoff between a proposer's rounds, so that duelling proposers stop
/// pre-empting each other: the one that waits less finishes before the other retries.
/// </summary>
public static class RetryBackoff
{
    /// <summary>The delay in milliseconds before round <paramref name="attempt"/> (1 = first retry).</summary>
    /// <param name="attempt">How many rounds of this proposal failed so far.</param>
    /// <param name="jitter">A uniformly random number in [0, 1) supplied by the driver.</param>
    /// <param name="baseMs">The delay scale of the first retry.</param>
    /// <param name="maxMs">The cap of the exponential growth.</param>
    public static int DelayMs(int attempt, double jitter, int baseMs = 5, int maxMs = 500)
    {
        Invariant.Check(attempt >= 1 && jitter is >= 0 and < 1, "backoff needs attempt >= 1 and jitter in [0, 1)");
        int exponent = Math.Min(attempt - 1, 16);
        long ceiling = Math.Min((long)baseMs << exponent, maxMs);
        return (int)(ceiling * (0.5 + jitter));
    }
}
