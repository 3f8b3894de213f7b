using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Paxos.Node.Configuration;
using Paxos.Transport.V1;

namespace Paxos.Node.Hosting;

/// <summary>
/// Before a node with an empty data directory, started without <c>--join</c>, takes part in the
/// cluster of its file, it asks every other node of the file (GetStatus with the request header
/// <c>paxos-heard-from: NUMBER</c>, answered in the response header <c>paxos-heard</c> from
/// <see cref="PeersHeard"/>) whether it has ever received protocol messages from this node's number.
/// If one has, this node took part before and lost its data, with the promises and acceptances it
/// made: it must neither found a cluster again nor rejoin under that number, and stops. It takes part
/// once every other node of the file has answered no (any of them may be the one that counted its
/// vote), or once the nodes that answered that they have heard from no node at all are, with this
/// one, a majority of the file: then no majority of the cluster ever exchanged a message without one
/// of them, so nothing was ever promised to a quorum or chosen (but for the case the design notes
/// name: a cluster that ran on a bare majority, this node among it, while the others never started).
/// So nodes of a fresh cluster, started together or a majority of them, take part at once.
/// </summary>
internal static partial class FreshStartCheck
{
    /// <summary>The request header naming the number asked about.</summary>
    public const string HeardFromHeader = "paxos-heard-from";

    /// <summary>The response header with the answer: <see cref="Yes"/>, <see cref="No"/> or <see cref="NoOne"/>.</summary>
    public const string HeardHeader = "paxos-heard";

    /// <summary>The answer: I have heard from that number.</summary>
    public const string Yes = "yes";

    /// <summary>The answer: I have not heard from that number (but from others).</summary>
    public const string No = "no";

    /// <summary>The answer: I have heard from no node at all.</summary>
    public const string NoOne = "no-one";

    private static readonly TimeSpan AskInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    /// <summary>Null once every other node of the file said it never heard from <paramref name="number"/>; else why this node must not take part.</summary>
    public static async Task<string?> RunAsync(NodeOptions options, int number, Func<string, Func<SocketsHttpHandler, HttpMessageHandler>?> secure, string? token,
        ILogger logger, CancellationToken cancellationToken)
    {
        var others = options.Cluster.Nodes.Where(node => node.Id != options.NodeId).ToList();
        var pending = new HashSet<NodeEntry>(others);
        int fresh = 1; // this node, and every other that has heard from no node at all
        int majority = (options.Cluster.Size / 2) + 1;
        var headers = new Metadata { { HeardFromHeader, number.ToString(CultureInfo.InvariantCulture) } };
        if (token is not null)
        {
            headers.Add("authorization", "Bearer " + token);
        }
        {
            DateTime lastLogged = DateTime.UtcNow;
            while (pending.Count > 0 && fresh < majority)
            {
                foreach (var node in pending.ToList())
                {
                    try
                    {
                        // A channel per question: one whose first connection failed (the peer not yet up) would
                        // wait out gRPC's reconnect backoff, and the peer may be gone again by then.
                        using var channel = PeerChannels.Create(node.Url, options.MaxMessageBytes, secure(node.Id));
                        using var call = new PaxosService.PaxosServiceClient(channel).GetStatusAsync(new GetStatusRequest(), headers, DateTime.UtcNow + AskTimeout, cancellationToken);
                        await call.ResponseAsync.ConfigureAwait(false);
                        switch ((await call.ResponseHeadersAsync.ConfigureAwait(false)).GetValue(HeardHeader))
                        {
                            case Yes:
                                return $"node {options.NodeId} has an empty data directory, but node {node.Id} has received messages from it (number {number}): it took part in this cluster and lost what it promised. " +
                                    $"It must not take part again under this id; replace it: 'paxos member remove {options.NodeId}', then add a node with a new id and start it with --join";
                            case No:
                                pending.Remove(node);
                                break;
                            case NoOne:
                                pending.Remove(node);
                                fresh++;
                                break;
                        }
                    }
                    catch (RpcException) when (!cancellationToken.IsCancellationRequested)
                    {
                        // not up (yet): asked again
                    }
                }
                if (pending.Count > 0 && fresh < majority)
                {
                    if (DateTime.UtcNow - lastLogged >= LogInterval)
                    {
                        LogWaiting(logger, options.NodeId, string.Join(", ", pending.Select(node => node.Id)));
                        lastLogged = DateTime.UtcNow;
                    }
                    await Task.Delay(AskInterval, cancellationToken).ConfigureAwait(false);
                }
            }
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "node {NodeId} starts with an empty data directory: it takes part once every other node of its cluster file has said it never heard from it; waiting for {Pending}")]
    private static partial void LogWaiting(ILogger logger, string nodeId, string pending);
}
