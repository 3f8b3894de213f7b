namespace Paxos.Simulation.Infrastructure;

/// <summary>
/// Simulated time. Starts at zero and only moves when the <see cref="EventScheduler"/> runs the next
/// event; nothing in a simulation reads wall time.
/// </summary>
public sealed class VirtualClock
{
    /// <summary>The current virtual time.</summary>
    public TimeSpan Now { get; private set; }

    /// <summary>Moves time forward to <paramref name="time"/>; time never goes back.</summary>
    internal void AdvanceTo(TimeSpan time)
    {
        if (time < Now)
        {
            throw new InvalidOperationException($"virtual time cannot go back from {Now} to {time}");
        }

        Now = time;
    }
}
