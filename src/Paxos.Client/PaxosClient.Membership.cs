using Grpc.Core;
using V1 = Paxos.Transport.V1;

namespace Paxos.Client;

public sealed partial class PaxosClient
{
    /// <summary>The cluster's members, voters and learners (linearizable: no older configuration than the last change acknowledged).</summary>
    /// <param name="timeout">The call's overall deadline, retries included; <see cref="PaxosClientOptions.Timeout"/> if null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<MembershipInfo> ListMembersAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        CallAsync("the member list", Route.Leader, isWrite: false, async (Endpoint endpoint, CallOptions options) =>
        {
            var reply = await Refusable(() => endpoint.Members.ListMembersAsync(new V1.ListMembersRequest(), options)).ConfigureAwait(false);
            return new MembershipInfo(Members(reply.Members), reply.Slot, reply.LeaderId.Length == 0 ? null : reply.LeaderId);
        }, Deadline(timeout), cancellationToken);

    /// <summary>
    /// Adds node <paramref name="id"/> as a learner: it receives the log and never counts in a
    /// quorum until <see cref="PromoteMemberAsync"/>. Start it with <c>paxos node --join</c> before or
    /// after. Adding a member again with the same URL succeeds and changes nothing.
    /// </summary>
    /// <param name="id">The new node's id; a removed node's id cannot come back.</param>
    /// <param name="url">How peers and clients reach it (http:// or https://).</param>
    /// <param name="timeout">The call's overall deadline, retries included; <see cref="PaxosClientOptions.Timeout"/> if null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="PaxosRefusedException">Refused, nothing changed: another change is in progress, the id is taken by another URL, and the like.</exception>
    public Task<MembershipChangeResult> AddMemberAsync(string id, Uri url, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{url}' is not an absolute http:// or https:// URL", nameof(url));
        }
        var request = new V1.AddMemberRequest { Id = id, Url = url.GetLeftPart(UriPartial.Authority) };
        return ChangeAsync($"adding {id}", (members, options) => members.AddMemberAsync(request, options), timeout, cancellationToken);
    }

    /// <summary>
    /// Makes learner <paramref name="id"/> a voter. Refused while it has not applied every slot chosen
    /// before the request arrived: retry once it has caught up. Promoting a voter succeeds and changes nothing.
    /// </summary>
    /// <param name="id">The learner's id.</param>
    /// <param name="timeout">The call's overall deadline, retries included; <see cref="PaxosClientOptions.Timeout"/> if null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="PaxosRefusedException">Refused, nothing changed: not caught up, not a member, another change in progress.</exception>
    public Task<MembershipChangeResult> PromoteMemberAsync(string id, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var request = new V1.PromoteMemberRequest { Id = id };
        return ChangeAsync($"promoting {id}", (members, options) => members.PromoteMemberAsync(request, options), timeout, cancellationToken);
    }

    /// <summary>
    /// Removes voter or learner <paramref name="id"/>; the removed node stops by itself once it learns
    /// of it. Removing the leader hands leadership to another voter first. Removing a node that is not
    /// a member succeeds and changes nothing.
    /// </summary>
    /// <param name="id">The member's id.</param>
    /// <param name="timeout">The call's overall deadline, retries included; <see cref="PaxosClientOptions.Timeout"/> if null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="PaxosRefusedException">Refused, nothing changed: it is the last voter, another change is in progress.</exception>
    public Task<MembershipChangeResult> RemoveMemberAsync(string id, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var request = new V1.RemoveMemberRequest { Id = id };
        return ChangeAsync($"removing {id}", (members, options) => members.RemoveMemberAsync(request, options), timeout, cancellationToken);
    }

    /// <summary>Hands leadership to voter <paramref name="id"/> without waiting for an election timeout; returns the leader's id afterwards.</summary>
    /// <param name="id">The voter to lead.</param>
    /// <param name="timeout">The call's overall deadline, retries included; <see cref="PaxosClientOptions.Timeout"/> if null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="PaxosRefusedException">Refused: <paramref name="id"/> is not a voter, or cannot take over now.</exception>
    public Task<string> TransferLeadershipAsync(string id, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var request = new V1.TransferLeadershipRequest { Id = id };
        return CallAsync($"the leadership transfer to {id}", Route.Leader, isWrite: true, async (Endpoint endpoint, CallOptions options) =>
        {
            var reply = await Refusable(() => endpoint.Members.TransferLeadershipAsync(request, options)).ConfigureAwait(false);
            // The old leader is no longer one: ask again before the next leader-bound call.
            Volatile.Write(ref _leader, NoLeader);
            return reply.LeaderId;
        }, Deadline(timeout), cancellationToken);
    }

    /// <summary>A change: retried like a write (each change is idempotent by its id), a refusal a <see cref="PaxosRefusedException"/>.</summary>
    private Task<MembershipChangeResult> ChangeAsync(string operation, Func<V1.MembershipService.MembershipServiceClient, CallOptions, AsyncUnaryCall<V1.MembershipChangeResponse>> send,
        TimeSpan? timeout, CancellationToken cancellationToken) =>
        CallAsync(operation, Route.Leader, isWrite: true, async (Endpoint endpoint, CallOptions options) =>
        {
            var reply = await Refusable(() => send(endpoint.Members, options)).ConfigureAwait(false);
            return new MembershipChangeResult(Members(reply.Members), reply.Slot, reply.Changed);
        }, Deadline(timeout), cancellationToken);

    /// <summary>The answer of the call <paramref name="start"/> makes; FAILED_PRECONDITION, a refusal that changed nothing, as <see cref="PaxosRefusedException"/>.</summary>
    private static async Task<TReply> Refusable<TReply>(Func<AsyncUnaryCall<TReply>> start)
    {
        try
        {
            using var call = start();
            return await call.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
        {
            throw new PaxosRefusedException($"the cluster refused: {e.Status.Detail}", e);
        }
    }

    private static MemberInfo[] Members(IEnumerable<V1.Member> members) =>
        [.. members.Select(m => new MemberInfo(m.Id, Uri.TryCreate(m.Url, UriKind.Absolute, out var url)
            ? url
            : throw new PaxosRpcException(StatusCode.Internal, $"a node named member {m.Id} with the URL '{m.Url}', which is not one", null), m.Voter, m.Number))];
}
