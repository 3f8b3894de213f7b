using Grpc.Core;
using Grpc.Net.Client;
using Paxos.Node.Hosting;
using Paxos.Node.Replication;
using Paxos.Transport.V1;

namespace Paxos.Node.Services;

/// <summary>Where the leader is, and a client to it, for forwarding client calls from a follower; nodes by number, as the applied membership names them.</summary>
public sealed class LeaderDirectory(MemberDirectory members, ReplicaDriver driver, PeerLinks links)
{
    /// <summary>This node's number.</summary>
    public int Self => members.Self;

    /// <summary>This node's name.</summary>
    public string SelfName => members.SelfName;

    /// <summary>The node believed to lead (possibly this one), or -1.</summary>
    public int LeaderId => driver.Status.LeaderId;

    /// <summary>The name of node <paramref name="node"/>.</summary>
    public string NameOf(int node) => members.NameOf(node);

    /// <summary>The url of node <paramref name="node"/> as the applied membership has it, or "" for a node it does not hold.</summary>
    public string UrlOf(int node) => members.Current.Find(node)?.Url ?? "";

    /// <summary>A client of node <paramref name="node"/>'s KeyValueService.</summary>
    public KeyValueService.KeyValueServiceClient Client(int node) => new(ChannelTo(node));

    /// <summary>A client of node <paramref name="node"/>'s LeaseService.</summary>
    public LeaseService.LeaseServiceClient LeaseClient(int node) => new(ChannelTo(node));

    /// <summary>A client of node <paramref name="node"/>'s MembershipService.</summary>
    public MembershipService.MembershipServiceClient MembershipClient(int node) => new(ChannelTo(node));

    /// <summary>Waits until some node is known to lead, or <paramref name="cancellationToken"/> fires.</summary>
    public Task<int> WaitForLeaderAsync(CancellationToken cancellationToken) => driver.WaitForLeaderAsync(cancellationToken);

    /// <summary>The channel to another member; UNAVAILABLE if this node has no link to it (a member it does not know yet).</summary>
    private GrpcChannel ChannelTo(int node) =>
        links.Channel(node) ?? throw new RpcException(new Status(StatusCode.Unavailable, $"node {members.NameOf(node)} is not a member this node knows yet; retry"));
}
