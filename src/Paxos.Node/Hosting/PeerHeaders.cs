namespace Paxos.Node.Hosting;

/// <summary>
/// Who is calling, sent with every call a node makes to a peer: the cluster id and the caller's
/// node id (percent-encoded, so that any id fits in an HTTP header). The receiving node's
/// <see cref="Services.PeerGate"/> refuses a call without them or with another cluster's id.
/// </summary>
public sealed record PeerHeaders(ClusterId ClusterId, string NodeId)
{
    /// <summary>The metadata key of the caller's cluster id.</summary>
    public const string ClusterIdHeader = "paxos-cluster-id";

    /// <summary>The metadata key of the caller's node id.</summary>
    public const string NodeIdHeader = "paxos-node-id";

    /// <summary>Wraps <paramref name="inner"/> so that every request it sends carries these headers.</summary>
    public HttpMessageHandler Around(HttpMessageHandler inner) => new Handler(this) { InnerHandler = inner };

    private sealed class Handler(PeerHeaders headers) : DelegatingHandler
    {
        private readonly string _clusterId = headers.ClusterId.ToString();
        private readonly string _nodeId = Uri.EscapeDataString(headers.NodeId);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.TryAddWithoutValidation(ClusterIdHeader, _clusterId);
            request.Headers.TryAddWithoutValidation(NodeIdHeader, _nodeId);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
