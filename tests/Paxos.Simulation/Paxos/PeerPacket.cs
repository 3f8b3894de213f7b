using Paxos.Core.Replication;

namespace Paxos.Simulation.Paxos;

/// <summary>What travels between replicas on the simulated cluster network (subject to the fault plan's partitions).</summary>
internal abstract record PeerPacket;

/// <summary>A protocol message of the core.</summary>
/// <param name="Message">The message; its From and To match the network's endpoints.</param>
internal sealed record ProtocolPacket(ReplicaMessage Message) : PeerPacket
{
    /// <inheritdoc/>
    public override string ToString() => MessageText.Describe(Message);
}

/// <summary>The sender's state-machine snapshot, covering every slot up to <paramref name="Slot"/>, for a lagging replica.</summary>
/// <param name="Slot">The last slot the snapshot covers.</param>
/// <param name="Data">The bytes written by <c>KeyValueStateMachine.WriteSnapshot</c>.</param>
internal sealed record SnapshotPacket(ulong Slot, byte[] Data) : PeerPacket
{
    /// <inheritdoc/>
    public override string ToString() => $"Snapshot slot={Slot} ({Data.Length} bytes)";
}
