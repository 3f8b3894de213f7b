namespace Paxos.Simulation.Infrastructure;

/// <summary>
/// A node's local clock: virtual time seen through a drift rate (0.001 runs 0.1% fast, -0.001 runs
/// 0.1% slow). Changing the rate never makes the local clock jump or go back; <see cref="Jump"/> does.
/// </summary>
public sealed class DriftingClock
{
    private readonly VirtualClock _clock;
    private TimeSpan _baseVirtual;
    private TimeSpan _baseLocal;

    /// <summary>Creates a local clock that starts in step with <paramref name="clock"/>.</summary>
    public DriftingClock(VirtualClock clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
        _baseVirtual = clock.Now;
        _baseLocal = clock.Now;
    }

    /// <summary>How much faster (positive) or slower (negative) than virtual time this clock runs.</summary>
    public double DriftRate { get; private set; }

    /// <summary>The local time.</summary>
    public TimeSpan Now => _baseLocal + ((_clock.Now - _baseVirtual) * (1 + DriftRate));

    /// <summary>Changes the drift rate from now on; must be greater than -1.</summary>
    public void SetDrift(double rate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(rate, -1);
        _baseLocal = Now;
        _baseVirtual = _clock.Now;
        DriftRate = rate;
    }

    /// <summary>Steps the local clock by <paramref name="delta"/>, forward or back.</summary>
    public void Jump(TimeSpan delta) => _baseLocal += delta;

    /// <summary>The virtual duration that passes while this clock advances by <paramref name="localDuration"/>.</summary>
    public TimeSpan ToVirtual(TimeSpan localDuration) => localDuration / (1 + DriftRate);
}
