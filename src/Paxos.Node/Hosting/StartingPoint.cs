using Microsoft.Extensions.Logging;
using Paxos.Core.Replication;

namespace Paxos.Node.Hosting;

/// <summary>
/// Who a node is when it starts: its cluster's id, its node number and the membership it started
/// from, from its data directory when that has them (<see cref="MemberFile"/>: the cluster file and
/// <c>--join</c> then count no more), else for a new node: the founding membership of the cluster
/// file (its position is its number), or, with <c>--join</c>, the membership of the cluster it was
/// added to (<see cref="ClusterJoin"/>). A founding node's number and membership are stored only once
/// it passed the <see cref="FreshStartCheck"/> (<see cref="MustCheck"/>).
/// </summary>
/// <param name="ClusterId">The cluster's id.</param>
/// <param name="Number">This node's number.</param>
/// <param name="Start">The membership this node started from: the founding one (slot 0) or the one it joined (a later slot).</param>
/// <param name="MustCheck">True for a node that founds the cluster of its file from an empty data directory: it takes part once <see cref="FreshStartCheck"/> passed, then stores this (<see cref="Store"/>).</param>
internal sealed record StartingPoint(ClusterId ClusterId, int Number, Membership Start, bool MustCheck)
{
    /// <summary>What the replica starts from when its data directory has no snapshot yet: the founding membership, or none for a node that joined (it learns the real one from the leader).</summary>
    public Membership ReplicaStart => Start.Slot == 0 ? Start : Membership.Unknown;

    /// <summary>Finds (or, for a new node, establishes and stores) where the node described by <paramref name="options"/> starts.</summary>
    public static async Task<StartingPoint> FindAsync(NodeOptions options, Func<string, Func<SocketsHttpHandler, HttpMessageHandler>?> secure, string? token,
        ILogger logger, CancellationToken cancellationToken)
    {
        string directory = options.DataDirectory;
        if (MemberFile.Load(directory) is { } known)
        {
            return new StartingPoint(ClusterIdFile.LoadOrFound(directory, options.Cluster), known.Number, known.Start, MustCheck: false);
        }
        if (options.Join)
        {
            var (clusterId, number, joined) = await ClusterJoin.WaitUntilAddedAsync(options, secure, token, logger, cancellationToken).ConfigureAwait(false);
            ClusterIdFile.Store(directory, clusterId);
            var point = new StartingPoint(clusterId, number, joined, MustCheck: false);
            point.Store(directory);
            return point;
        }
        var founding = PaxosNodeHost.FoundingMembership(options.Cluster);
        int position = options.Cluster.IndexOf(options.NodeId);
        return new StartingPoint(ClusterIdFile.LoadOrFound(directory, options.Cluster), position, founding, MustCheck: true);
    }

    /// <summary>Stores the number and starting membership in <paramref name="dataDirectory"/>: from now on they are this node's.</summary>
    public void Store(string dataDirectory) => MemberFile.Store(dataDirectory, Number, Start);
}
