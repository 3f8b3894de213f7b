using V1 = Paxos.Transport.V1;

namespace Paxos.Client;

public sealed partial class PaxosClient
{
    /// <summary>
    /// Creates a lease that ends <paramref name="ttl"/> after its grant or its last keep-alive;
    /// keys put with its id (<see cref="PutAsync(string, ReadOnlyMemory{byte}, ulong, TimeSpan?, CancellationToken)"/>)
    /// are deleted when it ends. A grant retried after an unknown outcome may create a second lease,
    /// which nobody keeps alive and which so ends after its TTL.
    /// </summary>
    /// <param name="ttl">From 1 s to 1 day; whole milliseconds.</param>
    /// <param name="timeout">The call's overall deadline, retries included; <see cref="PaxosClientOptions.Timeout"/> if null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<LeaseGrant> GrantLeaseAsync(TimeSpan ttl, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        long milliseconds = (long)ttl.TotalMilliseconds;
        ArgumentOutOfRangeException.ThrowIfLessThan(milliseconds, 1_000, nameof(ttl));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(milliseconds, 86_400_000, nameof(ttl));
        return CallAsync("the lease grant", Route.Leader, isWrite: true, async (Endpoint endpoint, Grpc.Core.CallOptions options) =>
        {
            var reply = await endpoint.Leases.GrantAsync(new V1.LeaseGrantRequest { TtlMs = milliseconds }, options).ConfigureAwait(false);
            return new LeaseGrant(reply.LeaseId, TimeSpan.FromMilliseconds(reply.TtlMs));
        }, Deadline(timeout), cancellationToken);
    }

    /// <summary>
    /// Renews lease <paramref name="leaseId"/> for its whole TTL from now (the leader answers, without
    /// a log write). Not found: the lease expired or was revoked, and its keys are gone or going.
    /// Sent to the leader (learned with GetLeader) whatever <see cref="PaxosClientOptions.EndpointSelection"/> says.
    /// </summary>
    /// <param name="leaseId">The lease.</param>
    /// <param name="timeout">The call's overall deadline, retries included; <see cref="PaxosClientOptions.Timeout"/> if null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<LeaseKeepAlive> KeepLeaseAliveAsync(ulong leaseId, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        CallAsync("the lease keep-alive", Route.LeaderOnly, isWrite: false, new V1.LeaseKeepAliveRequest { LeaseId = leaseId }, static async (endpoint, request, options) =>
        {
            var reply = await endpoint.Leases.KeepAliveAsync(request, options).ConfigureAwait(false);
            return new LeaseKeepAlive(reply.Found, TimeSpan.FromMilliseconds(reply.TtlMs));
        }, Deadline(timeout), cancellationToken);

    /// <summary>Ends lease <paramref name="leaseId"/> now, deleting its keys at one index.</summary>
    /// <param name="leaseId">The lease.</param>
    /// <param name="timeout">The call's overall deadline, retries included; <see cref="PaxosClientOptions.Timeout"/> if null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<LeaseRevoke> RevokeLeaseAsync(ulong leaseId, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        CallAsync("the lease revoke", Route.Leader, isWrite: true, async (Endpoint endpoint, Grpc.Core.CallOptions options) =>
        {
            var reply = await endpoint.Leases.RevokeAsync(new V1.LeaseRevokeRequest { LeaseId = leaseId }, options).ConfigureAwait(false);
            return new LeaseRevoke(reply.Found, reply.Index);
        }, Deadline(timeout), cancellationToken);
}
