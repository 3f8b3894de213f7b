using System.Collections.Concurrent;
using System.Net;
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
    private readonly PerClientCounter _callsPerClient = new(limits.MaxClientCallsInFlightPerClient);
    private readonly PerClientCounter _bytesPerClient = new(limits.MaxClientRequestBytesInFlightPerClient);
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
        var client = ClientOf(context);
        Admit(client, bytes);
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

    /// <summary>Counts a unary call of <paramref name="bytes"/> against the node's bounds and <paramref name="client"/>'s shares: all of them, or (throwing) none.</summary>
    /// <exception cref="RpcException">RESOURCE_EXHAUSTED: it would pass one.</exception>
    private void Admit(IPAddress client, long bytes)
    {
        TakeForClient(_callsPerClient, client, 1, "client calls in progress");
        try
        {
            TakeForClient(_bytesPerClient, client, bytes, "bytes of client calls in progress");
            try
            {
                Take(ref _calls, 1, limits.MaxClientCallsInFlight, "client calls in progress");
                try
                {
                    Take(ref _bytes, bytes, limits.MaxClientRequestBytesInFlight, "bytes of client calls in progress");
                }
                catch
                {
                    Interlocked.Decrement(ref _calls);
                    throw;
                }
            }
            catch
            {
                _bytesPerClient.Release(client, bytes);
                throw;
            }
        }
        catch
        {
            _callsPerClient.Release(client, 1);
            throw;
        }
    }

    /// <summary>Gives back what <see cref="Admit"/> counted.</summary>
    private void Leave(IPAddress client, long bytes)
    {
        Interlocked.Add(ref _bytes, -bytes);
        Interlocked.Decrement(ref _calls);
        _bytesPerClient.Release(client, bytes);
        _callsPerClient.Release(client, 1);
    }

    /// <summary>
    /// Counts the response's bytes, and keeps the call and all its bytes counted until the request
    /// completes: once its response is written or the call is cut off (<see cref="ResponseWriteDeadline"/>).
    /// </summary>
    private void HoldUntilWritten(ServerCallContext context, IPAddress client, long requestBytes, long responseBytes)
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
        try
        {
            Take(ref _bytes, bytes, limits.MaxClientRequestBytesInFlight, "bytes of client calls in progress");
        }
        catch
        {
            ReleaseConnection(connection, bytes);
            throw;
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
        var client = ClientOf(context);
        TakeForClient(_streamsPerClient, client, 1, "client streams open");
        try
        {
            Take(ref _streams, 1, limits.MaxClientStreams, "client streams open");
            try
            {
                await continuation(request, new DeadlineStreamWriter<TResponse>(responseStream, this, _messageDeadline, context.GetHttpContext()), context).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _streams);
            }
        }
        finally
        {
            _streamsPerClient.Release(client, 1);
        }
    }

    private static bool IsClientCall(ServerCallContext context) => IsClientMethod(context.Method);

    private static IPAddress ClientOf(ServerCallContext context) => PerClientCounter.ClientOf(context.GetHttpContext().Connection.RemoteIpAddress);

    /// <summary>A client's method, not a peer's (<c>PaxosService</c>) nor a health check.</summary>
    internal static bool IsClientMethod(string? path) =>
        path is not null && !path.StartsWith("/paxos.v1.PaxosService/", StringComparison.Ordinal) && !path.StartsWith("/grpc.health.", StringComparison.Ordinal);

    /// <summary>Adds <paramref name="amount"/> to <paramref name="counter"/> unless that passes <paramref name="limit"/>.</summary>
    private static void Take(ref long counter, long amount, long limit, string what)
    {
        if (Interlocked.Add(ref counter, amount) > limit)
        {
            Interlocked.Add(ref counter, -amount);
            throw Exhausted(limit, what);
        }
    }

    /// <summary>Counts <paramref name="amount"/> against <paramref name="client"/>'s share in <paramref name="counter"/>.</summary>
    /// <exception cref="RpcException">RESOURCE_EXHAUSTED: it would pass the share.</exception>
    private static void TakeForClient(PerClientCounter counter, IPAddress client, long amount, string what)
    {
        if (!counter.TryTake(client, amount))
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"the client {client} is at its limit of {counter.Limit} {what} on this node; retry later"));
        }
    }

    private static RpcException Exhausted(long limit, string what) =>
        new(new Status(StatusCode.ResourceExhausted, $"the node is at its limit of {limit} {what}; retry later"));
}
