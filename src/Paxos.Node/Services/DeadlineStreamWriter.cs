using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Paxos.Node.Services;

/// <summary>
/// A server stream whose every message must be written within <paramref name="timeout"/>: a client
/// that stops reading (its HTTP/2 window closed) has its call cut off (RST_STREAM) instead of holding
/// the message, and the stream's handler, for as long as it keeps the connection open.
/// </summary>
internal sealed class DeadlineStreamWriter<T>(IServerStreamWriter<T> inner, TimeSpan timeout, HttpContext http) : IServerStreamWriter<T>
{
    public WriteOptions? WriteOptions
    {
        get => inner.WriteOptions;
        set => inner.WriteOptions = value;
    }

    public Task WriteAsync(T message) => WithinTimeout(inner.WriteAsync(message));

    public Task WriteAsync(T message, CancellationToken cancellationToken) => WithinTimeout(inner.WriteAsync(message, cancellationToken));

    private async Task WithinTimeout(Task write)
    {
        try
        {
            await write.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            http.Abort();
            _ = write.ContinueWith(static t => t.Exception, TaskScheduler.Default); // observed: it fails once the call is cut off
            throw new RpcException(new Status(StatusCode.Cancelled, $"the client did not read a message within {timeout}; the call was cut off"));
        }
    }
}
