using Grpc.Core;
using V1 = Paxos.Transport.V1;

namespace Paxos.Client;

public sealed partial class PaxosClient
{
    /// <summary>The endpoints this client was made with, in their order.</summary>
    public IReadOnlyList<Uri> Endpoints => [.. _endpoints.Select(e => e.Url)];

    /// <summary>
    /// What node <paramref name="endpoint"/> knows of itself (role, ballot, leader, commit and applied
    /// index), as <c>paxos status</c> shows it: one attempt at that node, never another, no retry.
    /// </summary>
    /// <param name="endpoint">One of <see cref="Endpoints"/>.</param>
    /// <param name="timeout">The attempt's deadline; <see cref="PaxosClientOptions.AttemptTimeout"/> if null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="PaxosRpcException">The node did not answer (its status code says why: <c>Unavailable</c> when it cannot be reached).</exception>
    public async Task<NodeStatus> GetNodeStatusAsync(Uri endpoint, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var node = Array.Find(_endpoints, e => e.Url == endpoint)
            ?? throw new ArgumentException($"'{endpoint}' is not one of this client's endpoints", nameof(endpoint));
        try
        {
            var s = await node.Node.GetStatusAsync(new V1.GetStatusRequest(), new CallOptions(deadline: DateTime.UtcNow + (timeout ?? _attemptTimeout), cancellationToken: cancellationToken))
                .ConfigureAwait(false);
            return new NodeStatus(s.NodeId, s.Role, s.Ballot?.Round ?? 0, s.Ballot?.NodeIndex ?? 0, s.LeaderId.Length == 0 ? null : s.LeaderId,
                s.CommitIndex, s.AppliedIndex, s.SnapshotIndex);
        }
        catch (RpcException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("the call was cancelled", e, cancellationToken);
        }
        catch (RpcException e)
        {
            throw RpcFailures.Classify(e) == AttemptFailure.Final
                ? RpcFailures.Translate(e)
                : new PaxosRpcException(e.StatusCode, $"{node.Authority} did not answer: {e.StatusCode} {e.Status.Detail}", e);
        }
    }
}
