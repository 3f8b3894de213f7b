using Paxos.Node.Configuration;

namespace Paxos.Node.Hosting;

/// <summary>How to run one node: its cluster, its id in it, and where it keeps its data.</summary>
public sealed record NodeOptions(ClusterConfig Cluster, string NodeId, string DataDirectory)
{
    /// <summary>How long a proposer waits for one round's replies before it retries.</summary>
    public TimeSpan RoundTimeout { get; init; } = TimeSpan.FromSeconds(1);

    public Failpoints Failpoints { get; init; } = Failpoints.None;
}
