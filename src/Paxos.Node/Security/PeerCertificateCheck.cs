using Grpc.AspNetCore.Server;
using Grpc.Core;
using Paxos.Node.Hosting;
using Paxos.Transport.Security;

namespace Paxos.Node.Security;

/// <summary>
/// With TLS, who may speak <c>PaxosService</c> as a peer: a caller whose client certificate names
/// the node it claims to be (a delivery's or snapshot's <c>from_node</c>, a single-decree ballot's
/// node). Anything else (a client's certificate, another node's) is refused with
/// PERMISSION_DENIED before it touches any state, and counted. Without TLS every caller passes.
/// </summary>
public sealed class PeerCertificateCheck
{
    private readonly NodeIdentity _identity;
    private readonly NodeMetrics _metrics;
    private readonly bool _required;

    /// <summary>Checks peer calls to node <paramref name="identity"/>, counting refusals in <paramref name="metrics"/>; with <paramref name="required"/> false (no TLS) every call passes.</summary>
    public PeerCertificateCheck(NodeIdentity identity, NodeMetrics metrics, bool required)
    {
        _identity = identity;
        _metrics = metrics;
        _required = required;
    }

    /// <summary>The node indexes (other than this node's) that the caller's certificate names; null when TLS is off, and every claim passes.</summary>
    public IReadOnlySet<int>? PeersOf(ServerCallContext context)
    {
        if (!_required)
        {
            return null;
        }
        var names = NamesOf(context);
        var peers = new HashSet<int>();
        for (int i = 0; i < _identity.NodeIds.Count; i++)
        {
            if (i != _identity.Index && names.Contains(_identity.NodeIds[i]))
            {
                peers.Add(i);
            }
        }
        return peers;
    }

    /// <summary>
    /// Throws PERMISSION_DENIED (and counts it) unless <paramref name="peers"/> (from
    /// <see cref="PeersOf"/>) holds <paramref name="claimed"/>, or, for a call that claims no node
    /// (null), holds any.
    /// </summary>
    public void Demand(IReadOnlySet<int>? peers, int? claimed, ServerCallContext context)
    {
        if (peers is null || (claimed is int node ? peers.Contains(node) : peers.Count > 0))
        {
            return;
        }
        _metrics.PeerCallsRefused.Inc();
        string who = claimed is int index && index >= 0 && index < _identity.NodeIds.Count ? $"node '{_identity.NodeIds[index]}'" : "a node of this cluster";
        throw new RpcException(new Status(StatusCode.PermissionDenied,
            $"{context.Method}: the caller's certificate does not name {who} (it names: {string.Join(", ", NamesOf(context))})"));
    }

    /// <summary>The names of the caller's certificate; none without one (Kestrel admits no connection without one when TLS is on).</summary>
    private static IReadOnlySet<string> NamesOf(ServerCallContext context) =>
        context.GetHttpContext().Connection.ClientCertificate is { } certificate ? ClusterCertificates.NamesOf(certificate) : new HashSet<string>();

    /// <summary><see cref="PeersOf"/> and <see cref="Demand(IReadOnlySet{int}, int?, ServerCallContext)"/> at once, for a call that sends one message.</summary>
    public void Demand(ServerCallContext context, int? claimed) => Demand(PeersOf(context), claimed, context);
}
