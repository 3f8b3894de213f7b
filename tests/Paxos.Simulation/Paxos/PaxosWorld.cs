using Paxos.Checking;
using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// What the processes of one Paxos run share: the scheduler, the trace, the planted bug, the two
/// networks (replica-to-replica, subject to the fault plan; client-to-replica, with its own
/// per-message faults), the cluster, the run-wide safety record and the client history. On the
/// client network endpoints 0..N-1 are the replicas and N.. are the clients.
/// </summary>
internal sealed class PaxosWorld(EventScheduler scheduler, TraceLog trace, SimRandom random, PlantedBug bug, int nodeCount, ReplicaTuning tuning, bool preVote)
{
    /// <summary>The run's event queue and virtual clock.</summary>
    public EventScheduler Scheduler { get; } = scheduler;

    /// <summary>The readable trace printed when the run fails.</summary>
    public TraceLog Trace { get; } = trace;

    /// <summary>Forked once per process start, in the deterministic order processes start.</summary>
    public SimRandom Random { get; } = random;

    /// <summary>The planted bug, or <see cref="PlantedBug.None"/>.</summary>
    public PlantedBug Bug { get; } = bug;

    /// <summary>The number of replicas.</summary>
    public int NodeCount { get; } = nodeCount;

    /// <summary>Nodes 0..FoundingNodes-1 found the cluster; the others start as joiners (<see cref="Core.Replication.Membership.Unknown"/>) and take part once a membership change adds them.</summary>
    public int FoundingNodes { get; init; } = nodeCount;

    /// <summary>The core's limits in this run, the same on every node.</summary>
    public ReplicaTuning Tuning { get; } = tuning;

    /// <summary>Whether the replicas ask before an election (pre-vote).</summary>
    public bool PreVote { get; } = preVote;

    /// <summary>The run-wide agreement and prefix record.</summary>
    public SafetyMonitor Monitor { get; } = new();

    /// <summary>The chosen log applied outside the nodes: the changes watches must report, and the leases' expiries.</summary>
    public ChosenLog Chosen { get; set; } = null!;

    /// <summary>
    /// Whether the lease keepers run and the clients use leases: not with leave-stranded, which only
    /// shows when nothing is proposed after the leader is cut off, while a new leader's keeper
    /// always proposes its lease epoch (see <see cref="PlantBias"/>).
    /// </summary>
    public bool LeasesOn => Bug != PlantedBug.LeaveStranded;

    /// <summary>A violation found where no step can throw it (in a task's continuation); the next poll of the watches reports it.</summary>
    public string? DeferredViolation { get; set; }

    /// <summary>Leadership transfers that ended with the chosen successor leading.</summary>
    public long CompletedTransfers { get; set; }

    /// <summary>Membership changes applied where they were asked.</summary>
    public long CompletedMembershipChanges { get; set; }

    /// <summary>Whether clients write values of the contract's maximum size (1 MiB) now and then in this run.</summary>
    public bool MaximumSizeValues { get; init; }

    /// <summary>How often rarer events happened, by name (see <see cref="Count"/>).</summary>
    public Dictionary<string, long> Events { get; } = new(StringComparer.Ordinal);

    /// <summary>The clients' history, checked for linearizability and liveness after the run.</summary>
    public HistoryRecorder History { get; } = new();

    /// <summary>The replica-to-replica network, which the fault plan partitions.</summary>
    public SimNetwork<PeerPacket> PeerNetwork { get; set; } = null!;

    /// <summary>The client-to-replica network.</summary>
    public SimNetwork<ClientPacket> ClientNetwork { get; set; } = null!;

    /// <summary>The replica processes: crashes, restarts, pauses, clocks and timers.</summary>
    public SimCluster<SimReplica> Cluster { get; set; } = null!;

    /// <summary>Counts one more <paramref name="name"/> event.</summary>
    public void Count(string name) => Events[name] = Events.GetValueOrDefault(name) + 1;

    /// <summary>The client network endpoint of client <paramref name="client"/>.</summary>
    public int ClientEndpoint(int client) => NodeCount + client;
}
