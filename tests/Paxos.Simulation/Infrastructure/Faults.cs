using System.Globalization;

namespace Paxos.Simulation.Infrastructure;

/// <summary>A fault a <see cref="FaultPlan"/> schedules and a <see cref="FaultInjector{TMessage}"/> applies.</summary>
public abstract record Fault;

/// <summary>Cut every link between two sides, both ways.</summary>
/// <param name="SideA">One side.</param>
/// <param name="SideB">The other side.</param>
public sealed record SymmetricPartitionFault(IReadOnlyList<int> SideA, IReadOnlyList<int> SideB) : Fault
{
    /// <inheritdoc/>
    public override string ToString() => $"partition {{{string.Join(",", SideA)}}} | {{{string.Join(",", SideB)}}}";
}

/// <summary>Cut one direction of one link.</summary>
/// <param name="From">Sender whose messages are lost.</param>
/// <param name="To">Receiver that stops hearing from <paramref name="From"/>.</param>
public sealed record OneWayPartitionFault(int From, int To) : Fault
{
    /// <inheritdoc/>
    public override string ToString() => $"one-way partition n{From}↛n{To}";
}

/// <summary>Cut a node off from everyone.</summary>
/// <param name="Node">The node.</param>
public sealed record IsolateNodeFault(int Node) : Fault
{
    /// <inheritdoc/>
    public override string ToString() => $"isolate n{Node}";
}

/// <summary>Cut whichever node currently leads off from everyone (nothing happens without a leader).</summary>
public sealed record IsolateLeaderFault : Fault
{
    /// <inheritdoc/>
    public override string ToString() => "isolate the leader";
}

/// <summary>Keep only the links inside each group, e.g. a 2/3 split of five nodes.</summary>
/// <param name="Groups">The groups.</param>
public sealed record SplitFault(IReadOnlyList<IReadOnlyList<int>> Groups) : Fault
{
    /// <inheritdoc/>
    public override string ToString() => "split " + string.Join(" | ", Groups.Select(g => "{" + string.Join(",", g) + "}"));
}

/// <summary>Restore every link.</summary>
public sealed record HealFault : Fault
{
    /// <inheritdoc/>
    public override string ToString() => "heal the network";
}

/// <summary>Crash a node: its process dies and its disk loses unsynced writes.</summary>
/// <param name="Node">The node.</param>
/// <param name="TearLastWrite">Whether the disk tears the last unsynced write.</param>
public sealed record CrashFault(int Node, bool TearLastWrite) : Fault
{
    /// <inheritdoc/>
    public override string ToString() => $"crash n{Node}{(TearLastWrite ? " (tearing the last write)" : "")}";
}

/// <summary>Restart a crashed node from its disk.</summary>
/// <param name="Node">The node.</param>
public sealed record RestartFault(int Node) : Fault
{
    /// <inheritdoc/>
    public override string ToString() => $"restart n{Node}";
}

/// <summary>Crash every node at once (power loss of the whole cluster).</summary>
/// <param name="TearLastWrite">Whether each disk tears its last unsynced write.</param>
public sealed record CrashAllFault(bool TearLastWrite) : Fault
{
    /// <inheritdoc/>
    public override string ToString() => $"crash all nodes{(TearLastWrite ? " (tearing last writes)" : "")}";
}

/// <summary>Restart every crashed node.</summary>
public sealed record RestartAllFault : Fault
{
    /// <inheritdoc/>
    public override string ToString() => "restart all crashed nodes";
}

/// <summary>Make a node's clock run fast or slow, within the bound the lease assumes.</summary>
/// <param name="Node">The node.</param>
/// <param name="Rate">Drift rate: 0.001 is 0.1% fast.</param>
public sealed record ClockDriftFault(int Node, double Rate) : Fault
{
    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"clock drift n{Node} {Rate:+0.0000;-0.0000}");
}

/// <summary>Freeze a node's process (GC pause, VM stall) while time and the network go on.</summary>
/// <param name="Node">The node.</param>
/// <param name="Duration">How long, in virtual time.</param>
public sealed record PauseFault(int Node, TimeSpan Duration) : Fault
{
    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"pause n{Node} for {Duration.TotalMilliseconds:0} ms");
}

/// <summary>Make a node's next fsync fail: the node must stop without acknowledging what it did not make durable.</summary>
/// <param name="Node">The node.</param>
public sealed record FsyncFailureFault(int Node) : Fault
{
    /// <inheritdoc/>
    public override string ToString() => $"fail the next fsync of n{Node}";
}

/// <summary>Fill a node's disk for a while: writes that grow a file fail.</summary>
/// <param name="Node">The node.</param>
/// <param name="Duration">How long, in virtual time.</param>
public sealed record DiskFullFault(int Node, TimeSpan Duration) : Fault
{
    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"fill the disk of n{Node} for {Duration.TotalMilliseconds:0} ms");
}

/// <summary>Step a node's clock: its timers fire that much earlier (forward) or later (back), once.</summary>
/// <param name="Node">The node.</param>
/// <param name="Delta">How far, forward (positive) or back.</param>
public sealed record ClockJumpFault(int Node, TimeSpan Delta) : Fault
{
    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"clock of n{Node} jumps {Delta.TotalMilliseconds:+0;-0} ms");
}

/// <summary>Make every fsync of a node's disk slow, for the rest of the run.</summary>
/// <param name="Node">The node.</param>
/// <param name="SyncLatency">How long each fsync takes.</param>
public sealed record SlowDiskFault(int Node, TimeSpan SyncLatency) : Fault
{
    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"slow disk on n{Node}: {SyncLatency.TotalMilliseconds:0.0} ms per fsync");
}

/// <summary>Crash a node and flip one bit of a file on its disk: it must notice when it restarts, or be unharmed by it.</summary>
/// <param name="Node">The node.</param>
public sealed record DiskDamageFault(int Node) : Fault
{
    /// <inheritdoc/>
    public override string ToString() => $"crash n{Node} and flip a bit on its disk";
}
