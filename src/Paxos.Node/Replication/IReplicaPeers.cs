using Paxos.Core.Replication;

namespace Paxos.Node.Replication;

/// <summary>
/// How a <see cref="ReplicaNode"/> reaches the other nodes: protocol messages, whether a peer's
/// stream is down, and snapshots for peers that lag behind the compacted log. The node runs over
/// gRPC (<see cref="PeerLinks"/>) and in the simulator, whose network has the same message-size limit.
/// </summary>
public interface IReplicaPeers
{
    /// <summary>Queues <paramref name="message"/> for node <see cref="ReplicaMessage.To"/>; it may be dropped (the protocol resends what matters).</summary>
    void Send(ReplicaMessage message);

    /// <summary>True while the stream to <paramref name="peer"/> is known to be broken (the peer likely crashed).</summary>
    bool IsDown(int peer);

    /// <summary>Starts sending this node's latest snapshot, at or above slot <paramref name="index"/>, to <paramref name="peer"/>, unless one is on its way.</summary>
    void SendSnapshot(int peer, ulong index);

    /// <summary>
    /// The membership this node has applied changed (and once at open): open links to its new
    /// members, close those to nodes no longer in it. Messages to a node not in it may be dropped.
    /// </summary>
    void UpdateMembership(Membership applied);
}
