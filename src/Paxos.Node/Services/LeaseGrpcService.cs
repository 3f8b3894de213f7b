using Grpc.Core;
using Paxos.KeyValue;
using Paxos.Node.Leases;
using Paxos.Node.Replication;
using Paxos.Transport.V1;

namespace Paxos.Node.Services;

/// <summary>
/// LeaseService of CONTRACT.md section 1b on every node. Grant and Revoke are log writes (forwarded
/// by the driver like Put). KeepAlive costs no log write: the leader's <see cref="LeaseKeeper"/>
/// renews the lease, so a node that does not lead forwards the call to the leader as a gRPC call;
/// a forwarded call that finds no leader there fails with UNAVAILABLE.
/// </summary>
internal sealed class LeaseGrpcService(KeyValueGrpcService writes, LeaseKeeper keeper, LeaderDirectory leaders) : LeaseService.LeaseServiceBase
{
    public override async Task<LeaseGrantResponse> Grant(LeaseGrantRequest request, ServerCallContext context)
    {
        if (KeyValueLimits.ValidateLeaseTtl(request.TtlMs) is { } error)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, error));
        }
        var result = await writes.WriteAsync(new LeaseGrantCommand(request.TtlMs), context).ConfigureAwait(false);
        return result is LeaseGrantResult granted
            ? new LeaseGrantResponse { LeaseId = granted.LeaseId, TtlMs = granted.TtlMilliseconds }
            : throw KeyValueGrpcService.Unexpected(result);
    }

    public override async Task<LeaseRevokeResponse> Revoke(LeaseRevokeRequest request, ServerCallContext context)
    {
        var result = await writes.WriteAsync(new LeaseRevokeCommand(request.LeaseId), context).ConfigureAwait(false);
        return result is LeaseRevokeResult revoked
            ? new LeaseRevokeResponse { Found = revoked.Found, Index = revoked.Index }
            : throw KeyValueGrpcService.Unexpected(result);
    }

    public override async Task<LeaseKeepAliveResponse> KeepAlive(LeaseKeepAliveRequest request, ServerCallContext context)
    {
        using var deadline = KeyValueGrpcService.Deadline(context);
        try
        {
            while (true)
            {
                var renewed = await keeper.KeepAliveAsync(request.LeaseId, deadline.Token).ConfigureAwait(false);
                if (renewed.IsDone)
                {
                    return new LeaseKeepAliveResponse { Found = renewed.Value.Found, TtlMs = renewed.Value.TtlMilliseconds };
                }
                int leader = renewed.LeaderHint; // not the leader (the keeper's only refusal)
                if (context.RequestHeaders.Get(KeyValueGrpcService.ForwardedHeader) is not null)
                {
                    throw new RpcException(new Status(StatusCode.Unavailable, "forwarded to a node that no longer leads; retry"));
                }
                if (leader < 0 || leader == leaders.Self)
                {
                    await Task.Delay(KeyValueGrpcService.RetryDelay, deadline.Token).ConfigureAwait(false); // an election is under way
                    leader = await leaders.WaitForLeaderAsync(deadline.Token).ConfigureAwait(false);
                }
                if (leader != leaders.Self && await TryForwardAsync(leader, request, context, deadline.Token).ConfigureAwait(false) is { } forwarded)
                {
                    return forwarded;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw KeyValueGrpcService.NoQuorum("keep-alive");
        }
    }

    /// <summary>The leader's answer, or null when it could not be reached (the caller looks for the leader again).</summary>
    private async Task<LeaseKeepAliveResponse?> TryForwardAsync(int leader, LeaseKeepAliveRequest request, ServerCallContext context, CancellationToken cancellationToken)
    {
        var headers = new Metadata { { KeyValueGrpcService.ForwardedHeader, leaders.SelfName } };
        var callDeadline = context.Deadline == DateTime.MaxValue ? DateTime.UtcNow + KeyValueGrpcService.DefaultDeadline : context.Deadline;
        try
        {
            return await leaders.LeaseClient(leader).KeepAliveAsync(request, headers, callDeadline, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(KeyValueGrpcService.RetryDelay, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw KeyValueGrpcService.NoQuorum("forwarded keep-alive");
        }
    }
}
