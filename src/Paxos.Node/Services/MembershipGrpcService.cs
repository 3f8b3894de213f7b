using System.Text;
using Grpc.Core;
using Paxos.Core.Replication;
using Paxos.Node.Hosting;
using Paxos.Node.Replication;
using Paxos.Transport.V1;
using Membership = Paxos.Core.Replication.Membership;
using WireMember = Paxos.Transport.V1.Member;

namespace Paxos.Node.Services;

/// <summary>
/// The MembershipService of CONTRACT.md section 4 on every node, learners included. ListMembers is
/// linearizable: a read-index barrier (which a follower or learner confirms with the leader), then
/// the membership this node has applied. A change is made by the leader: the node that leads maps
/// the id to a node number in its applied membership and proposes it; any other node passes the call
/// on to the leader it knows and retries when leadership moves, until the call's deadline (10 s if
/// it has none). Removing the leader makes it hand the leadership over first, then the call goes on
/// at the new leader. Refusals are FAILED_PRECONDITION with the reason; no leader or no quorum before
/// the deadline is UNAVAILABLE (a change's outcome is then unknown). Every answer to ListMembers
/// carries the cluster id in the response header <c>paxos-cluster-id</c>, which a joining node adopts.
/// </summary>
internal sealed class MembershipGrpcService(ReplicaDriver driver, LeaderDirectory leaders, ClusterId clusterId) : MembershipService.MembershipServiceBase
{
    private static readonly TimeSpan AppliedPoll = TimeSpan.FromMilliseconds(5);

    public override async Task<ListMembersResponse> ListMembers(ListMembersRequest request, ServerCallContext context)
    {
        await context.WriteResponseHeadersAsync(new Metadata { { PeerHeaders.ClusterIdHeader, clusterId.ToString() } }).ConfigureAwait(false);
        using var deadline = KeyValueGrpcService.Deadline(context);
        try
        {
            while (true)
            {
                var barrier = await driver.ReadBarrierAsync(deadline.Token).ConfigureAwait(false);
                if (barrier.IsDone)
                {
                    // The status (with the membership) is published after the round that applied up to the index: wait for that round.
                    var status = driver.Status;
                    while (status.AppliedIndex < barrier.Value)
                    {
                        await Task.Delay(AppliedPoll, deadline.Token).ConfigureAwait(false);
                        status = driver.Status;
                    }
                    var membership = status.Membership;
                    var response = new ListMembersResponse { Slot = membership.Slot, LeaderId = status.LeaderId >= 0 ? leaders.NameOf(status.LeaderId) : "" };
                    response.Members.AddRange(ToWire(membership));
                    return response;
                }
                int leader = await LeaderToAskAsync(barrier.LeaderHint, context, deadline.Token).ConfigureAwait(false);
                if (leader != leaders.Self && await ForwardAsync(leader, context, (client, options) => client.ListMembersAsync(request, options).ResponseAsync, deadline.Token).ConfigureAwait(false) is { } forwarded)
                {
                    return forwarded;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw KeyValueGrpcService.NoQuorum("membership read");
        }
    }

    public override Task<MembershipChangeResponse> AddMember(AddMemberRequest request, ServerCallContext context)
    {
        Check(ValidateId(request.Id) ?? ValidateUrl(request.Url));
        return ChangeAsync(_ => MembershipChange.AddLearner(request.Id, CanonicalUrl(request.Url)), context,
            (client, options) => client.AddMemberAsync(request, options).ResponseAsync);
    }

    public override Task<MembershipChangeResponse> PromoteMember(PromoteMemberRequest request, ServerCallContext context)
    {
        Check(ValidateId(request.Id));
        return ChangeAsync(membership => membership.FindByName(request.Id) is { } member
                ? MembershipChange.Promote(member.Number)
                : throw Refused($"node {request.Id} is not a member; add it first"),
            context, (client, options) => client.PromoteMemberAsync(request, options).ResponseAsync);
    }

    public override Task<MembershipChangeResponse> RemoveMember(RemoveMemberRequest request, ServerCallContext context)
    {
        Check(ValidateId(request.Id));
        return ChangeAsync(membership => membership.FindByName(request.Id) is { } member ? MembershipChange.Remove(member.Number) : null,
            context, (client, options) => client.RemoveMemberAsync(request, options).ResponseAsync);
    }

    public override async Task<TransferLeadershipResponse> TransferLeadership(TransferLeadershipRequest request, ServerCallContext context)
    {
        Check(ValidateId(request.Id));
        using var deadline = KeyValueGrpcService.Deadline(context);
        try
        {
            while (true)
            {
                var status = driver.Status;
                if (status.Role == "leader")
                {
                    var successor = driver.Membership.FindByName(request.Id);
                    if (successor is not { IsVoter: true })
                    {
                        throw Refused($"node {request.Id} is not a voter");
                    }
                    if (successor.Number == leaders.Self)
                    {
                        return new TransferLeadershipResponse { LeaderId = request.Id };
                    }
                    if (await driver.TransferLeadershipAsync(successor.Number, deadline.Token).ConfigureAwait(false))
                    {
                        while (driver.Status.LeaderId != successor.Number)
                        {
                            await Task.Delay(KeyValueGrpcService.RetryDelay, deadline.Token).ConfigureAwait(false);
                        }
                        return new TransferLeadershipResponse { LeaderId = request.Id };
                    }
                    await Task.Delay(KeyValueGrpcService.RetryDelay, deadline.Token).ConfigureAwait(false); // a transfer or change under way: retry
                    continue;
                }
                int leader = await LeaderToAskAsync(status.LeaderId, context, deadline.Token).ConfigureAwait(false);
                if (leader != leaders.Self && await ForwardAsync(leader, context, (client, options) => client.TransferLeadershipAsync(request, options).ResponseAsync, deadline.Token).ConfigureAwait(false) is { } forwarded)
                {
                    return forwarded;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw KeyValueGrpcService.NoQuorum("leadership transfer");
        }
    }

    /// <summary>
    /// Makes the change <paramref name="decide"/> derives from the leader's applied membership (null:
    /// nothing to do), at the leader: here if this node leads, else by <paramref name="forward"/>.
    /// </summary>
    private async Task<MembershipChangeResponse> ChangeAsync(Func<Membership, MembershipChange?> decide, ServerCallContext context,
        Func<MembershipService.MembershipServiceClient, CallOptions, Task<MembershipChangeResponse>> forward)
    {
        using var deadline = KeyValueGrpcService.Deadline(context);
        try
        {
            while (true)
            {
                int leader = driver.Status.LeaderId;
                if (driver.Status.Role == "leader")
                {
                    var before = driver.Membership;
                    if (decide(before) is not { } change)
                    {
                        return Answer(before, changed: false);
                    }
                    var outcome = await driver.ChangeMembershipAsync(change, deadline.Token).ConfigureAwait(false);
                    switch (outcome.Kind)
                    {
                        case ReplicaOutcomeKind.Done:
                            return Answer(outcome.Value, changed: outcome.Value.Slot > before.Slot);
                        case ReplicaOutcomeKind.NotChosen:
                            continue; // leadership changed before the slot was chosen: nothing changed, ask the new leader
                        case ReplicaOutcomeKind.NotLeader:
                            leader = outcome.LeaderHint; // no longer leads, or handing the leadership over to remove itself
                            break;
                        default:
                            throw KeyValueGrpcService.ErrorOf(outcome);
                    }
                }
                leader = await LeaderToAskAsync(leader, context, deadline.Token).ConfigureAwait(false);
                if (leader != leaders.Self && await ForwardAsync(leader, context, forward, deadline.Token).ConfigureAwait(false) is { } forwarded)
                {
                    return forwarded;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw KeyValueGrpcService.NoQuorum("membership change");
        }
    }

    /// <summary>The node to pass a call on to: <paramref name="hint"/>, or, while no other node is known to lead, the next one that is (this node included: the caller then tries here again).</summary>
    private async Task<int> LeaderToAskAsync(int hint, ServerCallContext context, CancellationToken cancellationToken)
    {
        if (context.RequestHeaders.Get(KeyValueGrpcService.ForwardedHeader) is not null)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "passed on to a node that does not lead; retry"));
        }
        if (hint < 0 || hint == leaders.Self)
        {
            await Task.Delay(KeyValueGrpcService.RetryDelay, cancellationToken).ConfigureAwait(false); // an election or a transfer is under way
            return await leaders.WaitForLeaderAsync(cancellationToken).ConfigureAwait(false);
        }
        return hint;
    }

    /// <summary>The leader's answer (its refusals included); null when it could not be reached or no longer leads, so the caller looks for the leader again.</summary>
    private async Task<T?> ForwardAsync<T>(int leader, ServerCallContext context, Func<MembershipService.MembershipServiceClient, CallOptions, Task<T>> call, CancellationToken cancellationToken)
        where T : class
    {
        var headers = new Metadata { { KeyValueGrpcService.ForwardedHeader, leaders.SelfName } };
        if (context.RequestHeaders.GetValue("authorization") is { } authorization)
        {
            headers.Add("authorization", authorization); // the client's token, which the leader checks too
        }
        var options = new CallOptions(headers, deadline: context.Deadline == DateTime.MaxValue ? DateTime.UtcNow + KeyValueGrpcService.DefaultDeadline : context.Deadline, cancellationToken: cancellationToken);
        try
        {
            return await call(leaders.MembershipClient(leader), options).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(KeyValueGrpcService.RetryDelay, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Cancelled or StatusCode.DeadlineExceeded && cancellationToken.IsCancellationRequested)
        {
            throw KeyValueGrpcService.NoQuorum("forwarded call");
        }
    }

    private static MembershipChangeResponse Answer(Membership membership, bool changed)
    {
        var response = new MembershipChangeResponse { Slot = membership.Slot, Changed = changed };
        response.Members.AddRange(ToWire(membership));
        return response;
    }

    private static IEnumerable<WireMember> ToWire(Membership membership) =>
        membership.Members.Select(member => new WireMember { Id = member.Name, Url = member.Url, Voter = member.IsVoter, Number = (uint)member.Number });

    /// <summary>How urls are kept in a membership: scheme, host and port, as the founding membership has them.</summary>
    internal static string CanonicalUrl(string url) => new Uri(url).GetLeftPart(UriPartial.Authority);

    private static string? ValidateId(string id) =>
        id.Length == 0 || Encoding.UTF8.GetByteCount(id) > Membership.MaxNameBytes || id.Any(char.IsControl) || id.Any(char.IsWhiteSpace)
            ? $"a node id must have 1..{Membership.MaxNameBytes} bytes, without spaces or control characters"
            : null;

    private static string? ValidateUrl(string url) =>
        Encoding.UTF8.GetByteCount(url) > Membership.MaxUrlBytes
        || !Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https") || parsed.AbsolutePath != "/"
            ? $"a node url is http:// or https://, a host and a port (at most {Membership.MaxUrlBytes} bytes), such as http://10.0.0.5:7000"
            : null;

    private static void Check(string? error)
    {
        if (error is not null)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, error));
        }
    }

    private static RpcException Refused(string reason) => new(new Status(StatusCode.FailedPrecondition, reason));
}
