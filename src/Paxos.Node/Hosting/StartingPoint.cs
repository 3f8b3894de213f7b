using Microsoft.Extensions.Logging;
using Paxos.Core.Replication;

namespace Paxos.Node.Hosting;

/// <summary>
/// Who a node is when it starts: its cluster's id, its node number and the membership it started
/// from, from its data directory when that has them (<see cref="MemberFile"/>: the cluster file and
/// <c>--join</c> then count no more), else for a new node: the founding membership of the cluster
/// file (its position is its number), or, with <c>--join</c>, the membership of the cluster it was
/// added to (<see cref="ClusterJoin"/>). A data directory with state from before member files were
/// kept is a founding node's.
/// </summary>
/// <param name="ClusterId">The cluster's id.</param>
/// <param name="Number">This node's number.</param>
/// <param name="Start">The membership this node started from: the founding one (slot 0) or the one it joined (a later slot).</param>
internal sealed record StartingPoint(ClusterId ClusterId, int Number, Membership Start)
{
    private static readonly string[] StateDirectories = ["log", "snapshots", "single-decree"];

    /// <summary>What the replica starts from when its data directory has no snapshot yet: the founding membership, or none for a node that joined (it learns the real one from the leader).</summary>
    public Membership ReplicaStart => Start.Slot == 0 ? Start : Membership.Unknown;

    /// <summary>Finds (or, for a new node, establishes and stores) where the node described by <paramref name="options"/> starts.</summary>
    public static async Task<StartingPoint> FindAsync(NodeOptions options, Func<string, Func<SocketsHttpHandler, HttpMessageHandler>?> secure, string? token,
        ILogger logger, CancellationToken cancellationToken)
    {
        string directory = options.DataDirectory;
        if (MemberFile.Load(directory) is { } known)
        {
            return new StartingPoint(ClusterIdFile.LoadOrFound(directory, options.Cluster), known.Number, known.Start);
        }
        if (options.Join && !HasState(directory))
        {
            var (clusterId, number, joined) = await ClusterJoin.WaitUntilAddedAsync(options, secure, token, logger, cancellationToken).ConfigureAwait(false);
            ClusterIdFile.Store(directory, clusterId);
            MemberFile.Store(directory, number, joined);
            return new StartingPoint(clusterId, number, joined);
        }
        var founding = PaxosNodeHost.FoundingMembership(options.Cluster);
        int position = options.Cluster.IndexOf(options.NodeId);
        var id = ClusterIdFile.LoadOrFound(directory, options.Cluster);
        MemberFile.Store(directory, position, founding);
        return new StartingPoint(id, position, founding);
    }

    /// <summary>True if <paramref name="directory"/> holds a node's state (a cluster id, a log, snapshots or single-decree instances).</summary>
    private static bool HasState(string directory) =>
        ClusterIdFile.Exists(directory) || StateDirectories.Any(part => Directory.Exists(Path.Combine(directory, part)));
}
