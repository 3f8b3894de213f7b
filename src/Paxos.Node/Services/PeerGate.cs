using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Grpc.AspNetCore.Server;
using Paxos.Node.Hosting;
using Paxos.Transport.Replication;
using Paxos.Transport.Security;

namespace Paxos.Node.Services;

/// <summary>
/// Who may speak <c>PaxosService</c> to this node (except GetStatus, which is the operator's): a
/// call must present this cluster's id and the node id of another member (<see cref="PeerHeaders"/>);
/// the caller is then the sender every message of the call must name. With TLS
/// (<paramref name="certificates"/>), the caller's client certificate must also name that node, else
/// PERMISSION_DENIED, counted in <c>paxos_peer_calls_refused_total</c>. Everything else refused,
/// here or by the decoder, is counted by reason in <c>paxos_peer_messages_refused_total</c>,
/// changes nothing, and is logged: each reason at most once every 10 s, so that a flood of
/// refusals cannot flood the log.
/// </summary>
public sealed partial class PeerGate(NodeIdentity identity, ClusterId clusterId, bool certificates, NodeMetrics metrics, ILogger<PeerGate> logger)
{
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);
    private const int MaxQuotedLength = 64;

    private readonly ConcurrentDictionary<string, long> _lastLogged = new(StringComparer.Ordinal);

    /// <summary>The node index of the member that makes this call.</summary>
    /// <exception cref="RpcException">PERMISSION_DENIED: the call is not from another member of this cluster, or (with TLS) its certificate does not name that member.</exception>
    public int Admit(ServerCallContext context)
    {
        string? cluster = context.RequestHeaders.GetValue(PeerHeaders.ClusterIdHeader);
        string? node = context.RequestHeaders.GetValue(PeerHeaders.NodeIdHeader);
        if (cluster is null || node is null)
        {
            throw Refuse(context, PeerRefusal.Unidentified,
                $"the call presents no {PeerHeaders.ClusterIdHeader} and {PeerHeaders.NodeIdHeader}, so it is not from a node of this cluster");
        }
        if (!ClusterId.TryParse(cluster, out var presented) || presented != clusterId)
        {
            throw Refuse(context, PeerRefusal.OtherCluster,
                $"the caller presents cluster id '{Quote(cluster)}', but this node belongs to cluster {clusterId}: it is a node of another cluster, or its data directory comes from one");
        }
        string id = Uri.UnescapeDataString(node);
        int index = IndexOf(id);
        if (index < 0 || index == identity.Index)
        {
            throw Refuse(context, PeerRefusal.NotMember, $"the caller presents node id '{Quote(id)}', which is not another member of this cluster");
        }
        if (certificates && NamesOf(context) is var names && !names.Contains(id))
        {
            metrics.PeerCallsRefused.Inc();
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"{context.Method}: the caller's certificate does not name node '{id}' (it names: {string.Join(", ", names)})"));
        }
        return index;
    }

    /// <summary>The names of the caller's certificate; none without one (Kestrel admits no connection without one when TLS is on).</summary>
    private static IReadOnlySet<string> NamesOf(ServerCallContext context) =>
        context.GetHttpContext().Connection.ClientCertificate is { } certificate ? ClusterCertificates.NamesOf(certificate) : new HashSet<string>();

    /// <summary>Counts and logs a refusal; the exception to end the call with (INVALID_ARGUMENT if malformed, else PERMISSION_DENIED).</summary>
    public RpcException Refuse(ServerCallContext context, string reason, string detail)
    {
        metrics.PeerMessagesRefused.WithLabels(reason).Inc();
        long now = Stopwatch.GetTimestamp();
        long last = _lastLogged.GetOrAdd(reason, 0);
        if ((last == 0 || Stopwatch.GetElapsedTime(last, now) >= LogInterval) && _lastLogged.TryUpdate(reason, now, last))
        {
            LogRefused(logger, context.Method, context.Peer, reason, detail);
        }
        var code = reason == PeerRefusal.Malformed ? StatusCode.InvalidArgument : StatusCode.PermissionDenied;
        return new RpcException(new Status(code, detail));
    }

    private int IndexOf(string id)
    {
        for (int i = 0; i < identity.NodeIds.Count; i++)
        {
            if (identity.NodeIds[i] == id)
            {
                return i;
            }
        }
        return -1;
    }

    private static string Quote(string text) => text.Length <= MaxQuotedLength ? text : text[..MaxQuotedLength] + "...";

    [LoggerMessage(Level = LogLevel.Warning, Message = "refused a peer call {Method} from {Remote} ({Reason}): {Detail}; refusals are counted in paxos_peer_messages_refused_total and logged at most every 10 s per reason")]
    private static partial void LogRefused(ILogger logger, string method, string remote, string reason, string detail);
}
