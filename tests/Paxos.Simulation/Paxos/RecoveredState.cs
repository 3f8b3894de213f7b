using Paxos.Core.Replication;

namespace Paxos.Simulation.Paxos;

/// <summary>What a replica finds on its disk when its process starts.</summary>
/// <param name="Durable">The core's durable state: last hard state, snapshot index, log entries above it.</param>
/// <param name="SnapshotData">The state-machine snapshot at <see cref="DurableState.SnapshotIndex"/>, or null if none was taken.</param>
/// <param name="Records">Valid write-ahead-log records read.</param>
/// <param name="TornBytesCut">Bytes of a torn or corrupt log tail that recovery cut off (0 if the log ended cleanly).</param>
internal sealed record RecoveredState(DurableState Durable, byte[]? SnapshotData, int Records, long TornBytesCut);
