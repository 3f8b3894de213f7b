using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Paxos.Node.Services;

/// <summary>
/// A server stream whose every message must be written within <paramref name="deadline"/>'s timeout
/// (a shared timer: up to a thirtieth of it later): a client that stops reading (its HTTP/2 window
/// closed) has its call cut off (RST_STREAM) instead of holding the message, and the stream's
/// handler, for as long as it keeps the connection open. While it is written, a message counts
/// against the node's byte budget and its connection's share (<see cref="ClientCallLimiter"/>); one
/// that would pass either ends the stream with RESOURCE_EXHAUSTED.
/// </summary>
internal sealed class DeadlineStreamWriter<T>(IServerStreamWriter<T> inner, ClientCallLimiter limiter, SharedDeadline deadline, HttpContext http) : IServerStreamWriter<T>
{
    public WriteOptions? WriteOptions
    {
        get => inner.WriteOptions;
        set => inner.WriteOptions = value;
    }

    public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

    public async Task WriteAsync(T message, CancellationToken cancellationToken)
    {
        long bytes = message is IMessage counted ? counted.CalculateSize() : 0;
        string connection = http.Connection.Id;
        limiter.TakeResponseBytes(connection, bytes);
        var expires = deadline.Token;
        var write = inner.WriteAsync(message, cancellationToken);
        try
        {
            await write.WaitAsync(expires).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (expires.IsCancellationRequested)
        {
            http.Abort();
            _ = write.ContinueWith(static t => t.Exception, TaskScheduler.Default); // observed: it fails once the call is cut off
            throw new RpcException(new Status(StatusCode.Cancelled, $"the client did not read a message within {deadline.Timeout}; the call was cut off"));
        }
        finally
        {
            limiter.ReleaseResponseBytes(connection, bytes);
        }
    }
}
