namespace Paxos.Bench;

/// <summary>How a benchmark's requests are spread over the endpoints.</summary>
public enum BenchBalance
{
    /// <summary>
    /// Each request goes to the next endpoint in turn, as etcd's Go client balances over its
    /// endpoints and as a load balancer in front of a cluster does: most requests reach a follower.
    /// For Paxos, <c>PaxosClient</c> with <c>EndpointSelection.RoundRobin</c>: it never learns the leader.
    /// </summary>
    Request,

    /// <summary>Each client keeps one endpoint for the whole run (clients dealt round-robin over the endpoints).</summary>
    Client,

    /// <summary>
    /// Paxos only: <c>PaxosClient</c>'s leader awareness picks the endpoint (writes and linearizable
    /// reads to the leader it learns, serializable reads to any node): the smart client's figures.
    /// </summary>
    Leader,
}
