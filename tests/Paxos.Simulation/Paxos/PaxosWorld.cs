using Paxos.Simulation.Checking;
using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// What the processes of one Paxos run share: the scheduler, the trace, the planted bug, the two
/// networks (replica-to-replica, subject to the fault plan; client-to-replica, with its own
/// per-message faults), the cluster, the run-wide safety record and the client history. On the
/// client network endpoints 0..N-1 are the replicas and N.. are the clients.
/// </summary>
internal sealed class PaxosWorld(EventScheduler scheduler, TraceLog trace, SimRandom random, PlantedBug bug, int nodeCount)
{
    public EventScheduler Scheduler { get; } = scheduler;

    public TraceLog Trace { get; } = trace;

    /// <summary>Forked once per process start, in the deterministic order processes start.</summary>
    public SimRandom Random { get; } = random;

    public PlantedBug Bug { get; } = bug;

    public int NodeCount { get; } = nodeCount;

    public SafetyMonitor Monitor { get; } = new();

    public HistoryRecorder History { get; } = new();

    public SimNetwork<PeerPacket> PeerNetwork { get; set; } = null!;

    public SimNetwork<ClientPacket> ClientNetwork { get; set; } = null!;

    public SimCluster<PaxosNode> Cluster { get; set; } = null!;

    /// <summary>The client network endpoint of client <paramref name="client"/>.</summary>
    public int ClientEndpoint(int client) => NodeCount + client;
}
