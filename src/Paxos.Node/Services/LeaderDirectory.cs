using Grpc.Net.Client;
using Paxos.Node.Configuration;
using Paxos.Node.Replication;
using Paxos.Transport.V1;

namespace Paxos.Node.Services;

/// <summary>Where the leader is, and a client to it, for forwarding client calls from a follower.</summary>
public sealed class LeaderDirectory(ClusterConfig cluster, ReplicaDriver driver, IReadOnlyList<GrpcChannel?> channels, int self)
{
    private static readonly TimeSpan LeaderPoll = TimeSpan.FromMilliseconds(25);

    /// <summary>The cluster whose leader this tracks.</summary>
    public ClusterConfig Cluster => cluster;

    /// <summary>This node's index.</summary>
    public int Self => self;

    /// <summary>The node believed to lead (possibly this one), or -1.</summary>
    public int LeaderId => driver.Status.LeaderId;

    /// <summary>A client of node <paramref name="node"/>'s KeyValueService.</summary>
    public KeyValueService.KeyValueServiceClient Client(int node) =>
        new(channels[node] ?? throw new InvalidOperationException("no channel to this node itself"));

    /// <summary>A client of node <paramref name="node"/>'s LeaseService.</summary>
    public LeaseService.LeaseServiceClient LeaseClient(int node) =>
        new(channels[node] ?? throw new InvalidOperationException("no channel to this node itself"));

    /// <summary>Waits until some node is known to lead, or <paramref name="cancellationToken"/> fires.</summary>
    public async Task<int> WaitForLeaderAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            int leader = driver.Status.LeaderId;
            if (leader >= 0)
            {
                return leader;
            }
            await Task.Delay(LeaderPoll, cancellationToken).ConfigureAwait(false);
        }
    }
}
