using Paxos.Core.Replication;
using Paxos.Simulation.Infrastructure;

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
/// <param name="Metadata">The snapshot's metadata (the command index it reflects and the membership).</param>
/// <param name="Content">The state machine's snapshot bytes.</param>
/// <param name="MetadataCrc">The checksum of the metadata the sender sends with it, as the production sender does.</param>
/// <param name="ContentCrc">The checksum of the content, from the sender's snapshot file.</param>
internal sealed record SnapshotPacket(ulong Index, byte[] Metadata, byte[] Content, uint MetadataCrc, uint ContentCrc) : PeerPacket
{
    /// <summary>A copy with one bit flipped, in the metadata or the content (each as likely), checksums untouched: damage on the way.</summary>
    public SnapshotPacket Damaged(SimRandom random)
    {
        bool inMetadata = Content.Length == 0 || (Metadata.Length > 0 && random.Chance(0.5));
        byte[] metadata = [.. Metadata];
        byte[] content = [.. Content];
        byte[] target = inMetadata ? metadata : content;
        target[random.NextInt(target.Length)] ^= (byte)(1 << random.NextInt(8));
        return this with { Metadata = metadata, Content = content };
    }

    /// <inheritdoc/>
    public override string ToString() => $"Snapshot slot={Index} ({Content.Length} bytes)";
}
