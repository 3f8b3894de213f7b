namespace Paxos.Client;

/// <summary>Which endpoint a <see cref="PaxosClient"/> sends a call to (<see cref="PaxosClientOptions.EndpointSelection"/>).</summary>
public enum EndpointSelection
{
    /// <summary>
    /// Writes and linearizable reads go to the leader, learned from the nodes; other calls to the
    /// endpoint that last answered. The fewest hops: the default.
    /// </summary>
    Leader = 0,

    /// <summary>
    /// Every call goes to the next endpoint in turn (a retry to the one after), and the client never
    /// asks who leads, as etcd's Go client and a load balancer spread calls: most reach a follower,
    /// which forwards them. With one endpoint, every call goes to it. Lease keep-alives are the
    /// exception: they go to the leader, the one node that renews a lease.
    /// </summary>
    RoundRobin = 1,
}
