using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Running;

/// <summary>What one simulated run is asked to do.</summary>
/// <param name="Seed">The seed; the whole run is a function of it and the other options.</param>
/// <param name="NodeCount">Cluster size (3, 5 or 7).</param>
/// <param name="Bug">The planted bug, or <see cref="PlantedBug.None"/>.</param>
/// <param name="LeaderTransfers">
/// Also hand the leadership to a random node every few hundred milliseconds
/// (<see cref="Paxos.Core.Replication.ReplicaCore.TransferLeadership"/>), on top of the fault plan.
/// </param>
/// <param name="PreVote">
/// Whether the replicas ask before an election (<see cref="Paxos.Core.Replication.ReplicaOptions.PreVote"/>),
/// as a node does by default; false runs phase 1 as soon as an election timer runs out.
/// </param>
/// <param name="MembershipChanges">
/// Whether the last two nodes start as joiners and the membership changes during the run: nodes are
/// added as learners, promoted and removed (<see cref="Paxos.PaxosScenario"/>).
/// </param>
public sealed record SimulationRunOptions(ulong Seed, int NodeCount, PlantedBug Bug, bool LeaderTransfers = false, bool PreVote = true, bool MembershipChanges = false);
