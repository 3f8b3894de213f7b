namespace Paxos.Node.Hosting;

/// <summary>Who this node is in its cluster: its id, its index (its number in ballots), and every node's id by index.</summary>
public sealed record NodeIdentity(string Id, int Index, IReadOnlyList<string> NodeIds)
{
    /// <summary>How many nodes the cluster has.</summary>
    public int ClusterSize => NodeIds.Count;
}
