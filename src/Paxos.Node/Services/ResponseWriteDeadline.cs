using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Paxos.Node.Hosting;

namespace Paxos.Node.Services;

/// <summary>
/// Waits, after a client call's handler, until its response is written, for at most
/// <see cref="ServerLimits.ResponseWriteTimeout"/> (and a thirtieth of it more: the calls share
/// timers, <see cref="SharedDeadline"/>, so a call costs no timer of its own); then cuts the call off
/// (RST_STREAM). Without this, Kestrel ends an HTTP/2 request as soon as the handler returns and
/// keeps its response in memory until the client opens its receive window, however long that takes;
/// and the request ending first would release the call's count and bytes in
/// <see cref="ClientCallLimiter"/>, which its completion callback does only after this wait.
/// </summary>
internal sealed class ResponseWriteDeadline(RequestDelegate next, ServerLimits limits, TimeProvider time)
{
    private readonly SharedDeadline _deadline = new(limits.ResponseWriteTimeout, time);

    public async Task InvokeAsync(HttpContext context)
    {
        await next(context).ConfigureAwait(false);
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true && ClientCallLimiter.IsClientMethod(context.Request.Path))
        {
            await WaitUntilWrittenAsync(context).ConfigureAwait(false);
        }
    }

    /// <summary>Flushes the response; one written at once (the usual case) costs no allocation.</summary>
    internal ValueTask WaitUntilWrittenAsync(HttpContext context)
    {
        var deadline = _deadline.Token;
        var flush = context.Response.BodyWriter.FlushAsync(deadline);
        return flush.IsCompletedSuccessfully ? ValueTask.CompletedTask : AwaitOrCutOffAsync(flush, context, deadline);
    }

    private static async ValueTask AwaitOrCutOffAsync(ValueTask<FlushResult> flush, HttpContext context, CancellationToken deadline)
    {
        try
        {
            await flush.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            context.Abort();
        }
    }
}
