namespace Paxos.Node.Services;

/// <summary>
/// One deadline for many operations, so that none needs a timer of its own: every operation that
/// starts within one tick (a thirtieth of the timeout) gets the token of the same source, which is
/// canceled a timeout and a tick after that tick began. An operation is thus cut off between
/// <c>timeout</c> and <c>timeout + timeout / 30</c> after it began. A source is made at most once
/// a tick and lives until it fires, so at most 32 exist at once; getting a token allocates nothing.
/// </summary>
internal sealed class SharedDeadline
{
    /// <summary>The ticks a timeout is divided into: how much later than the timeout a token may fire.</summary>
    private const int TicksPerTimeout = 30;

    private readonly TimeSpan _timeout;
    private readonly TimeSpan _tick;
    private readonly long _tickTimestamps;
    private readonly TimeProvider _time;
    private Tick? _current;

    public SharedDeadline(TimeSpan timeout, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _timeout = timeout;
        _tick = timeout / TicksPerTimeout;
        _tickTimestamps = (long)(_tick.TotalSeconds * time.TimestampFrequency);
        _time = time;
    }

    /// <summary>The least time an operation is given.</summary>
    public TimeSpan Timeout => _timeout;

    /// <summary>A token canceled no sooner than the timeout from now and no later than a tick after that.</summary>
    public CancellationToken Token
    {
        get
        {
            long now = _time.GetTimestamp();
            var current = Volatile.Read(ref _current);
            if (current is not null && now < current.Ends)
            {
                return current.Source.Token;
            }
            var next = new Tick(now + _tickTimestamps, new CancellationTokenSource(_timeout + _tick, _time));
            var seen = Interlocked.CompareExchange(ref _current, next, current);
            if (ReferenceEquals(seen, current))
            {
                return next.Source.Token;
            }
            next.Source.Dispose(); // another call began this tick's source first; no one saw this one
            return seen!.Source.Token;
        }
    }

    /// <summary>The source of the operations that start before <see cref="Ends"/> (a timestamp).</summary>
    private sealed record Tick(long Ends, CancellationTokenSource Source);
}
