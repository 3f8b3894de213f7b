using Paxos.Core.Replication;

namespace Paxos.Simulation.Paxos;

/// <summary>What travels between replicas on the simulated cluster network (subject to the fault plan's partitions).</summary>
internal abstract record PeerPacket;

/// <summary>A protocol message of the core, or a forwarded command or its answer.</summary>
/// <param name="Message">The message; its From and To match the network's endpoints.</param>
internal sealed record ProtocolPacket(ReplicaMessage Message) : PeerPacket
{
    /// <inheritdoc/>
    public override string ToString() => MessageText.Describe(Message);
}

/// <summary>The sender's latest snapshot, as its snapshot store holds it, for a lagging replica (the chunks of one transfer).</summary>
/// <param name="Index">The last slot the snapshot covers.</param>
/// <param name="Metadata">The snapshot's metadata (the command index it reflects).</param>
/// <param name="Content">The state machine's snapshot bytes.</param>
internal sealed record SnapshotPacket(ulong Index, byte[] Metadata, byte[] Content) : PeerPacket
{
    /// <inheritdoc/>
    public override string ToString() => $"Snapshot slot={Index} ({Content.Length} bytes)";
}
