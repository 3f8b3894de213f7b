using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// A node's <see cref="TimeProvider"/> in the simulation: timestamps are its local (possibly
/// drifting) clock, and a timer is an event of the simulation that runs its callback as one step of
/// the node (<paramref name="schedule"/>), so that nothing timed by it escapes virtual time or runs
/// on another thread. Timers die with the process, as <see cref="SimCluster{TNode}.SetTimer"/>'s do.
/// </summary>
/// <param name="clock">The node's local clock.</param>
/// <param name="schedule">Runs an action as a step of the node after a delay of its local clock.</param>
internal sealed class SimTimeProvider(DriftingClock clock, Func<TimeSpan, Action, NodeTimer> schedule) : TimeProvider
{
    /// <inheritdoc/>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc/>
    public override long GetTimestamp() => clock.Now.Ticks;

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => DateTimeOffset.UnixEpoch + clock.Now;

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new Timer(schedule, () => callback(state));
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class Timer(Func<TimeSpan, Action, NodeTimer> schedule, Action fire) : ITimer
    {
        private NodeTimer? _next;
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _next?.Cancel();
            _next = null;
            _period = period;
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                Arm(dueTime);
            }

            return true;
        }

        public void Dispose()
        {
            _next?.Cancel();
            _next = null;
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        private void Arm(TimeSpan due) => _next = schedule(due, () =>
        {
            _next = null;
            if (_period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero)
            {
                Arm(_period);
            }

            fire();
        });
    }
}
