using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Grpc.AspNetCore.Server;
using Paxos.Core.Replication;
using Paxos.Node.Hosting;
using Paxos.Transport.Replication;
using Paxos.Transport.Security;

namespace Paxos.Node.Services;

/// <summary>
/// Who may speak <c>PaxosService</c> to this node (except GetStatus, which is the operator's): a
/// call must present this cluster's id and the node id (and number, <see cref="PeerHeaders"/>) of
/// another member of the membership this node has applied (<see cref="MemberDirectory"/>); the
/// caller is then the sender every message of the call must name. A node that was removed from the
/// cluster is told so (PERMISSION_DENIED with the trailer <c>paxos-refusal: removed</c>), on which
/// it stops; a number above every number this node knows is a node added by a membership it has not
/// applied yet, refused until it has (the caller retries). With TLS
/// (<paramref name="certificates"/>), the caller's client certificate must also name that node, else
/// PERMISSION_DENIED, counted in <c>paxos_peer_calls_refused_total</c>. Everything else refused,
/// here or by the decoder, is counted by reason in <c>paxos_peer_messages_refused_total</c>,
/// changes nothing, and is logged: each reason at most once every 10 s, so that a flood of
/// refusals cannot flood the log. Single-decree instances keep the cluster file's nodes
/// (<see cref="AdmitFileNode"/>).
/// </summary>
public sealed partial class PeerGate(NodeIdentity identity, MemberDirectory members, ClusterId clusterId, bool certificates, NodeMetrics metrics, ILogger<PeerGate> logger)
{
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);
    private const int MaxQuotedLength = 64;

    private readonly ConcurrentDictionary<string, long> _lastLogged = new(StringComparer.Ordinal);

    /// <summary>The node number of the member that makes this call (a replica's message stream or snapshot).</summary>
    /// <exception cref="RpcException">PERMISSION_DENIED: the call is not from another member of the applied membership, or (with TLS) its certificate does not name that member.</exception>
    public int Admit(ServerCallContext context)
    {
        var (id, number) = Identify(context);
        var current = members.Current;
        if (number is int presented && current.WasRemoved(presented) && presented != members.Self)
        {
            throw Refuse(context, PeerRefusal.Removed, $"node {Quote(id)} (number {presented}) was removed from the cluster; it must stop (a removed node never takes part again)");
        }
        var member = current.FindByName(id);
        if (member is null || member.Number == members.Self)
        {
            throw number is int unknown && unknown >= current.NextNumber && unknown < Membership.MaxNumbers
                ? Refuse(context, PeerRefusal.NotYetKnown, $"node '{Quote(id)}' (number {unknown}) is not in this node's membership ({current.Slot}) yet; it was added later, or this node lags")
                : Refuse(context, PeerRefusal.NotMember, $"the caller presents node id '{Quote(id)}', which is not another member of this cluster");
        }
        if (number is int claimed && claimed != member.Number)
        {
            throw Refuse(context, PeerRefusal.NotMember, $"the caller presents node id '{Quote(id)}' with number {claimed}, but that node's number is {member.Number}");
        }
        CheckCertificate(context, id);
        return member.Number;
    }

    /// <summary>
    /// On a long-lived stream from <paramref name="sender"/> (admitted by <see cref="Admit"/>), before each
    /// delivery: refuses a sender that the applied membership has removed since, ending its stream with
    /// the refusal that stops it.
    /// </summary>
    public void Readmit(ServerCallContext context, int sender)
    {
        if (members.Current.WasRemoved(sender))
        {
            throw Refuse(context, PeerRefusal.Removed, $"node {sender} was removed from the cluster; it must stop (a removed node never takes part again)");
        }
    }

    /// <summary>The cluster file index of the node that makes this call (single-decree instances, which keep the file's nodes).</summary>
    /// <exception cref="RpcException">PERMISSION_DENIED: the call is not from another node of the cluster file, or (with TLS) its certificate does not name that node.</exception>
    public int AdmitFileNode(ServerCallContext context)
    {
        var (id, _) = Identify(context);
        int index = IndexOf(id);
        if (index < 0 || index == identity.Index)
        {
            throw Refuse(context, PeerRefusal.NotMember, $"the caller presents node id '{Quote(id)}', which is not another member of this cluster");
        }
        CheckCertificate(context, id);
        return index;
    }

    /// <summary>The caller's node id and number (null if it presents none), once its cluster id is found to be this one's.</summary>
    private (string Id, int? Number) Identify(ServerCallContext context)
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
        string? numberText = context.RequestHeaders.GetValue(PeerHeaders.NodeNumberHeader);
        if (numberText is null)
        {
            return (id, null);
        }
        if (!int.TryParse(numberText, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number >= Membership.MaxNumbers)
        {
            throw Refuse(context, PeerRefusal.Malformed, $"the caller presents node number '{Quote(numberText)}', not one of 0..{Membership.MaxNumbers - 1}");
        }
        return (id, number);
    }

    private void CheckCertificate(ServerCallContext context, string id)
    {
        if (certificates && NamesOf(context) is var names && !names.Contains(id))
        {
            metrics.PeerCallsRefused.Inc();
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"{context.Method}: the caller's certificate does not name node '{id}' (it names: {string.Join(", ", names)})"));
        }
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
        var code = reason is PeerRefusal.Malformed or PeerRefusal.BallotTooFarAhead ? StatusCode.InvalidArgument : StatusCode.PermissionDenied;
        return new RpcException(new Status(code, detail), new Metadata { { PeerHeaders.RefusalTrailer, reason } });
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
