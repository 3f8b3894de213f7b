namespace Paxos.Simulation.Infrastructure;

/// <summary>
/// A timer of a node's process (<see cref="SimCluster{TNode}.SetTimer"/>): due at a time of the node's
/// local clock, so a clock jump moves it; it dies with the process.
/// </summary>
public sealed class NodeTimer
{
    private readonly Action _run;
    private readonly Action<NodeTimer> _forget;

    internal NodeTimer(TimeSpan localDue, Action run, Action<NodeTimer> forget)
    {
        LocalDue = localDue;
        _run = run;
        _forget = forget;
    }

    /// <summary>When it is due, on the node's local clock.</summary>
    public TimeSpan LocalDue { get; }

    /// <summary>The event that fires it, rescheduled when the node's clock jumps.</summary>
    internal ScheduledEvent? Event { get; set; }

    /// <summary>Stops it from firing.</summary>
    public void Cancel()
    {
        Event?.Cancel();
        _forget(this);
    }

    internal void Fire()
    {
        _forget(this);
        _run();
    }
}
