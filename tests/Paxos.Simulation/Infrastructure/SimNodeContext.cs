namespace Paxos.Simulation.Infrastructure;

/// <summary>What a node process gets when the <see cref="SimCluster{TNode}"/> starts it.</summary>
/// <param name="NodeId">The node's position in the cluster, 0..N-1.</param>
/// <param name="Incarnation">1 for the first start, +1 on every restart.</param>
/// <param name="Disk">The node's disk; survives crashes (minus unsynced writes).</param>
/// <param name="Clock">The node's local, possibly drifting, clock.</param>
public sealed record SimNodeContext(int NodeId, int Incarnation, SimFileSystem Disk, DriftingClock Clock);
