using Paxos.Simulation.Checking;
using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.SelfCheck;

/// <summary>What the self-check processes share: the simulation's scheduler, network, cluster, trace and recorded history.</summary>
internal sealed class RegisterEnvironment(EventScheduler scheduler, TraceLog trace, SimRandom random, PlantedBug bug, TimeSpan stopIssuingAt)
{
    public EventScheduler Scheduler { get; } = scheduler;

    public TraceLog Trace { get; } = trace;

    /// <summary>Forked once per process start, in the deterministic order processes start.</summary>
    public SimRandom Random { get; } = random;

    public PlantedBug Bug { get; } = bug;

    /// <summary>Clients invoke no new operation from this virtual time on.</summary>
    public TimeSpan StopIssuingAt { get; } = stopIssuingAt;

    public HistoryRecorder History { get; } = new();

    public SimNetwork<RegisterMessage> Network { get; set; } = null!;

    public SimCluster<RegisterNode> Cluster { get; set; } = null!;
}
