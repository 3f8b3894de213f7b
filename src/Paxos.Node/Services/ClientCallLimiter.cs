using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Paxos.Node.Hosting;

namespace Paxos.Node.Services;

/// <summary>
/// Bounds the client calls a node works on at once (<see cref="ServerLimits"/>): unary calls by
/// count and by the bytes of their requests, streaming calls by count. A call beyond a bound gets
/// RESOURCE_EXHAUSTED at once and costs nothing more; a client retries it later. Peer calls
/// (<c>PaxosService</c>) and health checks are not counted: the cluster's own traffic must never
/// be refused because clients are many.
/// </summary>
public sealed class ClientCallLimiter(ServerLimits limits) : Interceptor
{
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
        Take(ref _calls, 1, limits.MaxClientCallsInFlight, "client calls in progress");
        try
        {
            Take(ref _bytes, bytes, limits.MaxClientRequestBytesInFlight, "bytes of client requests in progress");
        }
        catch
        {
            Interlocked.Decrement(ref _calls);
            throw;
        }
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Add(ref _bytes, -bytes);
            Interlocked.Decrement(ref _calls);
        }
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
        Take(ref _streams, 1, limits.MaxClientStreams, "client streams open");
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _streams);
        }
    }

    private static bool IsClientCall(ServerCallContext context) =>
        !context.Method.StartsWith("/paxos.v1.PaxosService/", StringComparison.Ordinal) && !context.Method.StartsWith("/grpc.health.", StringComparison.Ordinal);

    /// <summary>Adds <paramref name="amount"/> to <paramref name="counter"/> unless that passes <paramref name="limit"/>.</summary>
    private static void Take(ref long counter, long amount, long limit, string what)
    {
        if (Interlocked.Add(ref counter, amount) > limit)
        {
            Interlocked.Add(ref counter, -amount);
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"the node is at its limit of {limit} {what}; retry later"));
        }
    }
}
