using Grpc.Core;
using Microsoft.Extensions.Logging;
using Paxos.Core.Replication;
using Paxos.Node.Configuration;
using Paxos.Transport.V1;
using Member = Paxos.Core.Replication.Member;
using Membership = Paxos.Core.Replication.Membership;

namespace Paxos.Node.Hosting;

/// <summary>
/// How a node started with <c>--join</c> and an empty data directory learns that it was added: it
/// asks the other nodes of its cluster file for the membership (ListMembers, linearizable), once a
/// second, until one answers with a membership that holds this node's id at this node's url. It then
/// has its number, the members to reach, and the cluster id (the answer's <c>paxos-cluster-id</c>
/// header). A node of that id at another url is a configuration error.
/// </summary>
internal static partial class ClusterJoin
{
    private static readonly TimeSpan AskInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    /// <summary>The cluster's id, this node's number and the membership it was found in.</summary>
    /// <param name="options">This node's options: its id, and the cluster file whose other nodes are asked.</param>
    /// <param name="secure">Sets up TLS on a channel to the named node (null: plain HTTP/2).</param>
    /// <param name="token">A client token of the cluster's auth file to ask with, or null.</param>
    /// <param name="logger">Where the wait is logged.</param>
    /// <param name="cancellationToken">Ends the wait (the node is stopped).</param>
    /// <exception cref="ConfigException">The file names no other node, or this id was added at another url.</exception>
    public static async Task<(ClusterId Id, int Number, Membership Membership)> WaitUntilAddedAsync(NodeOptions options,
        Func<string, Func<SocketsHttpHandler, HttpMessageHandler>?> secure, string? token, ILogger logger, CancellationToken cancellationToken)
    {
        string self = options.NodeId;
        string url = options.Cluster.Nodes[options.Cluster.IndexOf(self)].Url.GetLeftPart(UriPartial.Authority);
        var others = options.Cluster.Nodes.Where(node => node.Id != self).ToList();
        if (others.Count == 0)
        {
            throw new ConfigException($"--join: the cluster file names no node but {self}; it must name at least one current member to ask");
        }
        var headers = new Metadata();
        if (token is not null)
        {
            headers.Add("authorization", "Bearer " + token);
        }
        var channels = others.Select(node => PeerChannels.Create(node.Url, options.MaxMessageBytes, secure(node.Id))).ToList();
        try
        {
            DateTime lastLogged = DateTime.MinValue;
            while (true)
            {
                string heard = "no node of the cluster file answered";
                for (int i = 0; i < others.Count; i++)
                {
                    try
                    {
                        using var call = new MembershipService.MembershipServiceClient(channels[i]).ListMembersAsync(new ListMembersRequest(), headers,
                            DateTime.UtcNow + AskTimeout, cancellationToken);
                        var response = await call.ResponseAsync.ConfigureAwait(false);
                        var answered = await call.ResponseHeadersAsync.ConfigureAwait(false);
                        if (!ClusterId.TryParse(answered.GetValue(PeerHeaders.ClusterIdHeader), out var clusterId))
                        {
                            heard = $"node {others[i].Id} gave no cluster id";
                            continue;
                        }
                        var membership = ToMembership(response);
                        if (membership.FindByName(self) is { } member)
                        {
                            return member.Url == url
                                ? (clusterId, member.Number, membership)
                                : throw new ConfigException($"node {self} was added to the cluster at {member.Url}, but the cluster file gives {url}: fix the file, or remove {self} and add it again");
                        }
                        heard = $"node {others[i].Id} lists {string.Join(", ", membership.Members.Select(m => m.Name))}";
                        break;
                    }
                    catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
                    {
                        heard = $"node {others[i].Id}: {e.Status.StatusCode}: {e.Status.Detail}";
                    }
                    catch (ArgumentException e)
                    {
                        heard = $"node {others[i].Id} answered with a membership that is not sound: {e.Message}";
                    }
                }
                if (DateTime.UtcNow - lastLogged >= LogInterval)
                {
                    LogWaiting(logger, self, heard, url);
                    lastLogged = DateTime.UtcNow;
                }
                await Task.Delay(AskInterval, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (var channel in channels)
            {
                channel.Dispose();
            }
        }
    }

    /// <summary>The membership of an answer; its next number is the lowest it can be (one above the highest member).</summary>
    private static Membership ToMembership(ListMembersResponse response) =>
        new(response.Slot,
            response.Members.Select(member => new Member(member.Number < Membership.MaxNumbers ? (int)member.Number : -1, member.Id, member.Url, member.Voter)),
            response.Members.Count == 0 ? 0 : (int)Math.Min(response.Members.Max(member => member.Number) + 1, Membership.MaxNumbers));

    [LoggerMessage(Level = LogLevel.Information, Message = "joining: node {NodeId} is not a member yet ({Heard}); waiting to be added (paxos member add {NodeId} {Url})")]
    private static partial void LogWaiting(ILogger logger, string nodeId, string heard, string url);
}
