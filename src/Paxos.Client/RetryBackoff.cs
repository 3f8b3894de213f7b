namespace Paxos.Client;

/// <summary>
/// The pause before retry number <c>retry</c> (1 for the first): <c>initial * 2^(retry-1)</c>, at
/// most <c>max</c>, of which a random part (up to half) is taken off so that clients that failed
/// together do not retry together.
/// </summary>
internal sealed class RetryBackoff(TimeSpan initial, TimeSpan max, Func<double> random)
{
    public TimeSpan Delay(int retry)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        double full = initial.Ticks * Math.Pow(2, Math.Min(retry - 1, 30));
        double capped = Math.Min(full, max.Ticks);
        return TimeSpan.FromTicks((long)(capped * (1 - (random() / 2))));
    }
}
