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
public sealed record SimulationRunOptions(ulong Seed, int NodeCount, PlantedBug Bug, bool LeaderTransfers = false);
