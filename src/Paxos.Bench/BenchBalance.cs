namespace Paxos.Bench;

/// <summary>How a benchmark's requests are spread over the endpoints.</summary>
public enum BenchBalance
{
    /// <summary>
    /// Each request goes to the next endpoint in turn, as etcd's Go client balances over its
    /// endpoints and as a load balancer in front of a cluster does: most requests reach a follower.
    /// </summary>
    Request,

    /// <summary>Each client keeps one endpoint for the whole run (clients dealt round-robin over the endpoints).</summary>
    Client,
}
