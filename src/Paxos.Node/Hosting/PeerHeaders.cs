using System.Globalization;

namespace Paxos.Node.Hosting;

/// <summary>
/// Who is calling, sent with every call a node makes to a peer: the cluster id, the caller's node id
/// (percent-encoded, so that any id fits in an HTTP header) and its node number, if it has one
/// (null: a tool, or a node that has not been added yet). The receiving node's
/// <see cref="Services.PeerGate"/> refuses a call without them or with another cluster's id, and
/// tells a node that was removed from the cluster so (<see cref="RefusalTrailer"/>).
/// </summary>
public sealed record PeerHeaders(ClusterId ClusterId, string NodeId, int? NodeNumber = null)
{
    /// <summary>The metadata key of the caller's cluster id.</summary>
    public const string ClusterIdHeader = "paxos-cluster-id";

    /// <summary>The metadata key of the caller's node id.</summary>
    public const string NodeIdHeader = "paxos-node-id";

    /// <summary>The metadata key of the caller's node number.</summary>
    public const string NodeNumberHeader = "paxos-node-number";

    /// <summary>The trailer of a refused peer call that names the refusal's reason (<see cref="Transport.Replication.PeerRefusal"/>).</summary>
    public const string RefusalTrailer = "paxos-refusal";

    /// <summary>Wraps <paramref name="inner"/> so that every request it sends carries these headers.</summary>
    public HttpMessageHandler Around(HttpMessageHandler inner) => new Handler(this) { InnerHandler = inner };

    private sealed class Handler(PeerHeaders headers) : DelegatingHandler
    {
        private readonly string _clusterId = headers.ClusterId.ToString();
        private readonly string _nodeId = Uri.EscapeDataString(headers.NodeId);
        private readonly string? _nodeNumber = headers.NodeNumber?.ToString(CultureInfo.InvariantCulture);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.TryAddWithoutValidation(ClusterIdHeader, _clusterId);
            request.Headers.TryAddWithoutValidation(NodeIdHeader, _nodeId);
            if (_nodeNumber is not null)
            {
                request.Headers.TryAddWithoutValidation(NodeNumberHeader, _nodeNumber);
            }
            return base.SendAsync(request, cancellationToken);
        }
    }
}
