namespace Paxos.Simulation.Infrastructure;

/// <summary>
/// The simulation's event queue: actions ordered by virtual time, ties broken by the order they were
/// scheduled in, so the run order is a pure function of what was scheduled. Running an event moves
/// the <see cref="VirtualClock"/> to its time.
/// </summary>
public sealed class EventScheduler
{
    private readonly PriorityQueue<ScheduledEvent, (long Ticks, long Sequence)> _events = new();
    private long _nextSequence;

    /// <summary>Creates a queue driving <paramref name="clock"/>, or a new clock.</summary>
    public EventScheduler(VirtualClock? clock = null) => Clock = clock ?? new VirtualClock();

    /// <summary>The clock this queue moves.</summary>
    public VirtualClock Clock { get; }

    /// <summary>The current virtual time.</summary>
    public TimeSpan Now => Clock.Now;

    /// <summary>Events scheduled and not yet run (including cancelled ones not yet skipped).</summary>
    public int Pending => _events.Count;

    /// <summary>Events run so far (cancelled ones excluded).</summary>
    public long Executed { get; private set; }

    /// <summary>Schedules <paramref name="action"/> at virtual time <paramref name="at"/> (not in the past).</summary>
    public ScheduledEvent Schedule(TimeSpan at, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfLessThan(at, Now);
        var scheduled = new ScheduledEvent(at, _nextSequence++, action);
        _events.Enqueue(scheduled, (at.Ticks, scheduled.Sequence));
        return scheduled;
    }

    /// <summary>Schedules <paramref name="action"/> after <paramref name="delay"/> (not negative) from now.</summary>
    public ScheduledEvent ScheduleAfter(TimeSpan delay, Action action)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return Schedule(Now + delay, action);
    }

    /// <summary>Runs the earliest pending event; false if there is none.</summary>
    public bool RunNext()
    {
        while (_events.TryDequeue(out ScheduledEvent? next, out _))
        {
            if (next.IsCancelled)
            {
                continue;
            }

            Clock.AdvanceTo(next.At);
            Executed++;
            next.Action();
            return true;
        }

        return false;
    }

    /// <summary>Runs every event due at or before <paramref name="end"/>, then moves the clock to <paramref name="end"/>.</summary>
    public void RunUntil(TimeSpan end)
    {
        while (_events.TryPeek(out ScheduledEvent? next, out _) && next.At <= end)
        {
            RunNext();
        }

        if (end > Now)
        {
            Clock.AdvanceTo(end);
        }
    }
}
