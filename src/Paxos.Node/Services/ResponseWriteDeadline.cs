using Microsoft.AspNetCore.Http;
using Paxos.Node.Hosting;

namespace Paxos.Node.Services;

/// <summary>
/// Waits, after a client call's handler, until its response is written, for at most
/// <see cref="ServerLimits.ResponseWriteTimeout"/>; then cuts the call off (RST_STREAM). Without
/// this, Kestrel ends an HTTP/2 request as soon as the handler returns and keeps its response in
/// memory until the client opens its receive window, however long that takes; and the request
/// ending first would release the call's count and bytes in <see cref="ClientCallLimiter"/>,
/// which its completion callback does only after this wait.
/// </summary>
internal sealed class ResponseWriteDeadline(RequestDelegate next, ServerLimits limits)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context).ConfigureAwait(false);
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true || !ClientCallLimiter.IsClientMethod(context.Request.Path))
        {
            return;
        }
        using var timeout = new CancellationTokenSource(limits.ResponseWriteTimeout);
        try
        {
            await context.Response.BodyWriter.FlushAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            context.Abort();
        }
    }
}
