namespace Paxos.Node.Configuration;

/// <summary>One node of the cluster file: its id, the URL peers and clients use, the port it listens on.</summary>
public sealed record NodeEntry(string Id, Uri Url, int Port);

/// <summary>
/// The cluster file (CONTRACT.md section 2): the nodes in order. A node's index in this list is
/// its number in ballots, so every node must read the same file.
/// </summary>
public sealed class ClusterConfig
{
    /// <summary>A cluster of <paramref name="nodes"/>, in ballot order; a <see cref="ConfigException"/> if the list is empty or an id repeats.</summary>
    /// <param name="nodes">The nodes, in order.</param>
    /// <param name="clusterToken">The file's optional <c>cluster_token</c>: part of the id a new cluster is founded with.</param>
    public ClusterConfig(IReadOnlyList<NodeEntry> nodes, string clusterToken = "")
    {
        if (nodes.Count == 0)
        {
            throw new ConfigException("the cluster file lists no nodes");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            if (!seen.Add(node.Id))
            {
                throw new ConfigException($"node id '{node.Id}' appears twice");
            }
        }
        if (clusterToken.Length > MaxClusterTokenLength || clusterToken.Any(char.IsControl))
        {
            throw new ConfigException($"the cluster_token must be at most {MaxClusterTokenLength} characters without control characters");
        }
        Nodes = nodes;
        ClusterToken = clusterToken;
    }

    /// <summary>The longest <see cref="ClusterToken"/>.</summary>
    public const int MaxClusterTokenLength = 256;

    /// <summary>The nodes; a node's index here is its number in ballots.</summary>
    public IReadOnlyList<NodeEntry> Nodes { get; }

    /// <summary>Mutual TLS on every port and channel; null: plain HTTP/2.</summary>
    public TlsSettings? Tls { get; init; }

    /// <summary>Client tokens every client call must carry; null: none needed.</summary>
    public AuthSettings? Auth { get; init; }

    /// <summary>The file's <c>limits</c> block: what a node's server gives clients; null: the defaults.</summary>
    public Hosting.ServerLimits? Limits { get; init; }

    /// <summary>
    /// Tells apart clusters founded from otherwise equal files (as etcd's <c>--initial-cluster-token</c>):
    /// it only enters the cluster id a new cluster is founded with (<see cref="Hosting.ClusterId.Founding"/>); "" when the file has none.
    /// </summary>
    public string ClusterToken { get; }

    /// <summary>How many nodes; a quorum is a majority of them.</summary>
    public int Size => Nodes.Count;

    /// <summary>The index of the node with id <paramref name="id"/>; a clear error if there is none.</summary>
    public int IndexOf(string id)
    {
        for (int i = 0; i < Nodes.Count; i++)
        {
            if (Nodes[i].Id == id)
            {
                return i;
            }
        }
        throw new ConfigException($"node id '{id}' is not in the cluster file (it has: {string.Join(", ", Nodes.Select(n => n.Id))})");
    }
}

/// <summary>A cluster file or command-line setting that cannot be used, with the reason.</summary>
public sealed class ConfigException(string message) : Exception(message);
