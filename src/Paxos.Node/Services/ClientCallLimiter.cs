using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Http;
using Paxos.Node.Hosting;

namespace Paxos.Node.Services;

/// <summary>
/// Bounds the client calls a node works on at once (<see cref="ServerLimits"/>): unary calls by
/// count and by the bytes of their requests and responses, streaming calls by count. A call beyond a
/// bound gets RESOURCE_EXHAUSTED at once and costs nothing more; a client retries it later. A unary
/// call is held, with its bytes, until its response is written: a client that stops reading (HTTP/2
/// flow control lets it) leaves its responses in the server's buffers, so they count against the
/// node's budget and its connection's share of it; a read whose response would pass either is
/// refused (a write's response is counted but never refused: the write is done). A response
/// (<see cref="ResponseWriteDeadline"/>), or a watch's message (<see cref="DeadlineStreamWriter{T}"/>),
/// not written within <see cref="ServerLimits.ResponseWriteTimeout"/> has its call cut off
/// (RST_STREAM), which frees its buffers. Peer calls (<c>PaxosService</c>) and health checks
/// are not counted: the cluster's own traffic must never be refused because clients are many.
/// Each client (an IP address) also has a share of the calls, request bytes and streams, so that
/// one alone cannot take them all.
/// </summary>
public sealed class ClientCallLimiter(ServerLimits limits) : Interceptor
{
    /// <summary>The client methods that change nothing: their responses may be refused after the work.</summary>
    private static readonly HashSet<string> Reads = new(StringComparer.Ordinal)
    {
        "/paxos.v1.KeyValueService/Get", "/paxos.v1.KeyValueService/List", "/paxos.v1.KeyValueService/GetLeader",
        "/paxos.v1.ConsensusService/GetLearned", "/paxos.v1.MembershipService/ListMembers",
    };

    private readonly ConcurrentDictionary<string, long> _responseBytesByConnection = new(StringComparer.Ordinal);
    private readonly SharedDeadline _messageDeadline = new(limits.ResponseWriteTimeout, TimeProvider.System);
    private readonly PerClientCounter _callsPerClient = new(limits.MaxClientCallsInFlightPerClient, limits.MaxClientRequestBytesInFlightPerClient);
    private readonly PerClientCounter _streamsPerClient = new(limits.MaxClientStreamsPerClient);
    private long _calls;
    private long _bytes;
    private long _streams;

    /// <inheritdoc/>
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (!IsClientCall(context))
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        long bytes = request is IMessage message ? message.CalculateSize() : 0;
        var client = KeyOf(context);
        Admit(context, client, bytes);
        bool held = false;
        try
        {
            var response = await continuation(request, context).ConfigureAwait(false);
            HoldUntilWritten(context, client, bytes, response is IMessage answer ? answer.CalculateSize() : 0);
            held = true;
            return response;
        }
        finally
        {
            if (!held)
            {
                Leave(client, bytes);
            }
        }
    }

    /// <summary>Counts a unary call of <paramref name="bytes"/> against its client's share and the node's bounds: all of them, or (throwing) none.</summary>
    /// <exception cref="RpcException">RESOURCE_EXHAUSTED: it would pass one.</exception>
    private void Admit(ServerCallContext context, UInt128 client, long bytes)
    {
        TakeForClient(_callsPerClient, context, client, bytes, "client calls in progress", "bytes of client calls in progress");
        if (!TryTake(ref _calls, 1, limits.MaxClientCallsInFlight))
        {
            _callsPerClient.Release(client, bytes);
            throw Exhausted(limits.MaxClientCallsInFlight, "client calls in progress");
        }
        if (!TryTake(ref _bytes, bytes, limits.MaxClientRequestBytesInFlight))
        {
            Interlocked.Decrement(ref _calls);
            _callsPerClient.Release(client, bytes);
            throw Exhausted(limits.MaxClientRequestBytesInFlight, "bytes of client calls in progress");
        }
    }

    /// <summary>Gives back what <see cref="Admit"/> counted.</summary>
    private void Leave(UInt128 client, long bytes)
    {
        Interlocked.Add(ref _bytes, -bytes);
        Interlocked.Decrement(ref _calls);
        _callsPerClient.Release(client, bytes);
    }

    /// <summary>
    /// Counts the response's bytes, and keeps the call and all its bytes counted until the request
    /// completes: once its response is written or the call is cut off (<see cref="ResponseWriteDeadline"/>).
    /// </summary>
    private void HoldUntilWritten(ServerCallContext context, UInt128 client, long requestBytes, long responseBytes)
    {
        var http = context.GetHttpContext();
        string connection = http.Connection.Id;
        if (Reads.Contains(context.Method))
        {
            TakeResponseBytes(connection, responseBytes);
        }
        else
        {
            _responseBytesByConnection.AddOrUpdate(connection, responseBytes, (_, held) => held + responseBytes);
            Interlocked.Add(ref _bytes, responseBytes);
        }
        http.Response.OnCompleted(() =>
        {
            ReleaseResponseBytes(connection, responseBytes);
            Leave(client, requestBytes);
            return Task.CompletedTask;
        });
    }

    /// <summary>Counts <paramref name="bytes"/> of a response or stream message against the node's budget and <paramref name="connection"/>'s share until it is written.</summary>
    /// <exception cref="RpcException">RESOURCE_EXHAUSTED: it would pass either.</exception>
    internal void TakeResponseBytes(string connection, long bytes)
    {
        long share = _responseBytesByConnection.AddOrUpdate(connection, bytes, (_, held) => held + bytes);
        if (share > limits.MaxClientResponseBytesPerConnection)
        {
            ReleaseConnection(connection, bytes);
            throw Exhausted(limits.MaxClientResponseBytesPerConnection, "bytes of unwritten responses on one connection");
        }
        if (!TryTake(ref _bytes, bytes, limits.MaxClientRequestBytesInFlight))
        {
            ReleaseConnection(connection, bytes);
            throw Exhausted(limits.MaxClientRequestBytesInFlight, "bytes of client calls in progress");
        }
    }

    /// <summary>What <see cref="TakeResponseBytes"/> counted is written, or its call cut off.</summary>
    internal void ReleaseResponseBytes(string connection, long bytes)
    {
        ReleaseConnection(connection, bytes);
        Interlocked.Add(ref _bytes, -bytes);
    }

    private void ReleaseConnection(string connection, long bytes)
    {
        _responseBytesByConnection.AddOrUpdate(connection, -bytes, (_, held) => held - bytes);
        _responseBytesByConnection.TryRemove(new KeyValuePair<string, long>(connection, 0)); // only if nothing is held
    }

    /// <inheritdoc/>
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (!IsClientCall(context))
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            return;
        }
        var client = KeyOf(context);
        TakeForClient(_streamsPerClient, context, client, 0, "client streams open", "bytes");
        if (!TryTake(ref _streams, 1, limits.MaxClientStreams))
        {
            _streamsPerClient.Release(client, 0);
            throw Exhausted(limits.MaxClientStreams, "client streams open");
        }
        try
        {
            await continuation(request, new DeadlineStreamWriter<TResponse>(responseStream, this, _messageDeadline, context.GetHttpContext()), context).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _streams);
            _streamsPerClient.Release(client, 0);
        }
    }

    private static bool IsClientCall(ServerCallContext context) => IsClientMethod(context.Method);

    private static UInt128 KeyOf(ServerCallContext context) => PerClientCounter.KeyOf(context.GetHttpContext().Connection.RemoteIpAddress);

    /// <summary>A client's method, not a peer's (<c>PaxosService</c>) nor a health check.</summary>
    internal static bool IsClientMethod(string? path) =>
        path is not null && !path.StartsWith("/paxos.v1.PaxosService/", StringComparison.Ordinal) && !path.StartsWith("/grpc.health.", StringComparison.Ordinal);

    /// <summary>Adds <paramref name="amount"/> to <paramref name="counter"/> unless that passes <paramref name="limit"/>.</summary>
    /// <returns>Whether it was added.</returns>
    private static bool TryTake(ref long counter, long amount, long limit)
    {
        if (Interlocked.Add(ref counter, amount) > limit)
        {
            Interlocked.Add(ref counter, -amount);
            return false;
        }
        return true;
    }

    /// <summary>Counts one, of <paramref name="bytes"/>, against <paramref name="client"/>'s share in <paramref name="counter"/>.</summary>
    /// <exception cref="RpcException">RESOURCE_EXHAUSTED, naming what it would pass (<paramref name="count"/> or <paramref name="bytesOf"/>).</exception>
    private static void TakeForClient(PerClientCounter counter, ServerCallContext context, UInt128 client, long bytes, string count, string bytesOf)
    {
        var refusal = counter.TryTake(client, bytes);
        if (refusal != PerClientCounter.Refusal.None)
        {
            var (limit, what) = refusal == PerClientCounter.Refusal.Count ? (counter.MaxCount, count) : (counter.MaxBytes, bytesOf);
            var address = PerClientCounter.ClientOf(context.GetHttpContext().Connection.RemoteIpAddress);
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"the client {address} is at its limit of {limit} {what} on this node; retry later"));
        }
    }

    private static RpcException Exhausted(long limit, string what) =>
        new(new Status(StatusCode.ResourceExhausted, $"the node is at its limit of {limit} {what}; retry later"));
}
