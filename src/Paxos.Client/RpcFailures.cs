using System.Net.Sockets;
using Grpc.Core;
using Paxos.Transport.Security;

namespace Paxos.Client;

/// <summary>What a failed attempt means for the call it belongs to.</summary>
internal enum AttemptFailure
{
    /// <summary>The request never reached a node (the connection could not be opened); another node may be tried.</summary>
    NotDelivered,

    /// <summary>The node could not be reached in time or could not reach a quorum; the request may have been delivered, and a write may have been applied. Retry.</summary>
    MaybeDelivered,

    /// <summary>The node answered with an error that a retry would get again.</summary>
    Final,
}

internal static class RpcFailures
{
    public static AttemptFailure Classify(RpcException e) => e.StatusCode switch
    {
        // A refused certificate (either side's) is refused again at every node: no request went out.
        _ when ClusterCertificates.IsHandshakeFailure(e) => AttemptFailure.Final,
        StatusCode.Unavailable when ConnectionNeverOpened(e) => AttemptFailure.NotDelivered,
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => AttemptFailure.MaybeDelivered,
        // grpc-dotnet reports an HTTP/2 handshake that did not complete (a node still starting, or paused)
        // as INTERNAL "Error starting gRPC call" made up by the client: no node saw the request. Other
        // INTERNAL errors it makes up are a connection that broke under the call.
        StatusCode.Internal when e.Status.DebugException is HttpRequestException handshake
            && handshake.Message.Contains("HTTP/2 connection could not be established", StringComparison.Ordinal) => AttemptFailure.NotDelivered,
        StatusCode.Internal when e.Status.DebugException is HttpRequestException or IOException => AttemptFailure.MaybeDelivered,
        _ => AttemptFailure.Final,
    };

    /// <summary>
    /// True only when the connection to the node could not be opened at all (refused, no route, no
    /// such host), so the request was certainly not delivered. A connection that broke after it
    /// opened (a node killed mid-call) is not this: the node may have received the request.
    /// </summary>
    private static bool ConnectionNeverOpened(RpcException e)
    {
        if (e.Status.Detail.StartsWith("Error connecting to subchannel", StringComparison.Ordinal))
        {
            return true;
        }
        for (var inner = e.Status.DebugException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable or SocketError.NetworkUnreachable })
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The exception for an answer classified <see cref="AttemptFailure.Final"/>.</summary>
    public static Exception Translate(RpcException e) => e.StatusCode switch
    {
        _ when ClusterCertificates.IsHandshakeFailure(e) => new PaxosRpcException(e.StatusCode,
            $"the TLS handshake failed (is CaCertificate the cluster's CA, and ClientCertificate one of its?): {e.Status.Detail}", e),
        StatusCode.Unauthenticated => new PaxosRpcException(e.StatusCode, $"the cluster wants a token of its auth.tokens (PaxosClientOptions.Token): {e.Status.Detail}", e),
        StatusCode.InvalidArgument => new PaxosInvalidArgumentException($"the cluster rejected the request: {e.Status.Detail}", e),
        StatusCode.FailedPrecondition => new PaxosRpcException(e.StatusCode,
            $"the cluster refused the request ({e.Status.Detail}); is the client id used by another client?", e),
        StatusCode.ResourceExhausted => new PaxosRpcException(e.StatusCode, $"the cluster is overloaded or the message too large: {e.Status.Detail}", e),
        _ => new PaxosRpcException(e.StatusCode, $"the node answered {e.StatusCode}: {e.Status.Detail}", e),
    };
}
