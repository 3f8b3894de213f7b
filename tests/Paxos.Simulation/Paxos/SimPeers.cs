using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.Node.Replication;
using Paxos.Storage.Snapshots;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// A replica's peers in the simulator: messages go through the simulated peer network, dropped as
/// an outbox drops them when one alone exceeds the maximum message size
/// (<see cref="PeerOutbox.FitsAlone"/>); a peer's stream is down while the peer is crashed or cut
/// off from this node; a snapshot transfer reads the latest snapshot from this node's store and
/// sends it whole. Sends go through <c>emit</c>, which holds them until the step's fsyncs are done. Every node stays linked to every other: a joiner reaches the cluster before it
/// knows the membership, and a removed node keeps sending until it stops.
/// </summary>
internal sealed class SimPeers(int self, PaxosWorld world, ReplicaSnapshots snapshots, int maxMessageBytes, Action<Action> emit) : IReplicaPeers
{
    /// <inheritdoc/>
    public void Send(ReplicaMessage message)
    {
        if (!PeerOutbox.FitsAlone(message, maxMessageBytes))
        {
            world.Trace.Add($"n{self} dropped an oversized message to n{message.To}: {MessageText.Describe(message)}");
            return;
        }

        var packet = new ProtocolPacket(message);
        emit(() => world.PeerNetwork.Send(self, message.To, packet));
    }

    /// <inheritdoc/>
    public void UpdateMembership(Membership applied) => world.Trace.Add($"n{self} applied {applied}");

    /// <inheritdoc/>
    public bool IsDown(int peer) => !world.Cluster.IsUp(peer) || !world.PeerNetwork.IsConnected(self, peer);

    /// <inheritdoc/>
    public void SendSnapshot(int peer, ulong index)
    {
        using SnapshotReader? reader = snapshots.OpenLatest();
        if (reader is null || (ulong)reader.Index < index)
        {
            world.Trace.Add($"n{self} has no snapshot at slot {index} or later for n{peer}");
            return;
        }

        byte[] content = new byte[reader.ContentLength];
        int read = reader.ReadContent(0, content);
        var packet = new SnapshotPacket((ulong)reader.Index, reader.Metadata.ToArray(), content[..read], Crc32C.Compute(reader.Metadata.Span), reader.ContentCrc);
        emit(() => world.PeerNetwork.Send(self, peer, packet));
    }
}
