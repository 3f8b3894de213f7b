namespace Paxos.Simulation.Infrastructure;

/// <summary>An action scheduled on the <see cref="EventScheduler"/>; can be cancelled until it runs.</summary>
public sealed class ScheduledEvent
{
    internal ScheduledEvent(TimeSpan at, long sequence, Action action)
    {
        At = at;
        Sequence = sequence;
        Action = action;
    }

    /// <summary>The virtual time it runs at.</summary>
    public TimeSpan At { get; }

    /// <summary>The order it was scheduled in; breaks ties between events at the same time.</summary>
    public long Sequence { get; }

    /// <summary>True once cancelled; a cancelled event never runs.</summary>
    public bool IsCancelled { get; private set; }

    internal Action Action { get; }

    /// <summary>Prevents the event from running (no effect if it already ran).</summary>
    public void Cancel() => IsCancelled = true;
}
