using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Time.Testing;
using Paxos.Node.Hosting;
using Paxos.Node.Services;

namespace Paxos.Cluster.Tests;

/// <summary>
/// <see cref="ResponseWriteDeadline"/> on a response body that is a pipe: written at once, a call
/// costs no allocation (no timer of its own); not written within the timeout, it is cut off; written
/// in time, it is not. And the <see cref="SharedDeadline"/> that lets calls share timers.
/// </summary>
public sealed class ResponseWriteDeadlineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new();

    private sealed class Body(PipeWriter writer) : IHttpResponseBodyFeature
    {
        public Stream Stream => throw new NotSupportedException();
        public PipeWriter Writer => writer;
        public void DisableBuffering()
        {
        }
        public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task CompleteAsync() => writer.CompleteAsync().AsTask();
    }

    /// <summary>Whether the call was cut off.</summary>
    private sealed class Lifetime : IHttpRequestLifetimeFeature
    {
        public CancellationToken RequestAborted { get; set; }

        public bool Aborted { get; private set; }

        public void Abort() => Aborted = true;
    }

    private static (DefaultHttpContext Context, Lifetime Lifetime) Call(PipeWriter body)
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/grpc";
        context.Request.Path = "/paxos.v1.KeyValueService/Get";
        context.Features.Set<IHttpResponseBodyFeature>(new Body(body));
        var lifetime = new Lifetime();
        context.Features.Set<IHttpRequestLifetimeFeature>(lifetime);
        return (context, lifetime);
    }

    /// <summary>A handler that leaves 1 KiB in the response, unflushed.</summary>
    private static Task Respond(HttpContext context)
    {
        context.Response.BodyWriter.Write(new byte[1024]);
        return Task.CompletedTask;
    }

    private ResponseWriteDeadline Middleware(RequestDelegate handler) => new(handler, new ServerLimits { ResponseWriteTimeout = Timeout }, _time);

    [Fact]
    public async Task A_response_written_at_once_costs_no_allocation()
    {
        var middleware = Middleware(_ => Task.CompletedTask);
        var (context, lifetime) = Call(new Pipe().Writer);
        await middleware.InvokeAsync(context); // compiled, and this tick's deadline made

        // The wait after the handler, without the handler's await (a debug build allocates its state machine).
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            await middleware.WaitUntilWrittenAsync(context); // at once: had it waited, it would have allocated
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.False(lifetime.Aborted);
    }

    [Fact]
    public async Task A_response_not_written_within_the_timeout_is_cut_off()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1, resumeWriterThreshold: 1)); // no one reads it
        var (context, lifetime) = Call(pipe.Writer);

        var call = Middleware(Respond).InvokeAsync(context);
        _time.Advance(Timeout - TimeSpan.FromSeconds(1));
        Assert.False(call.IsCompleted);
        Assert.False(lifetime.Aborted);

        _time.Advance(Timeout / 15); // past the timeout and its tick
        await call.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(lifetime.Aborted);
    }

    [Fact]
    public async Task A_response_written_within_the_timeout_is_not_cut_off()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1, resumeWriterThreshold: 1));
        var (context, lifetime) = Call(pipe.Writer);

        var call = Middleware(Respond).InvokeAsync(context);
        _time.Advance(Timeout - TimeSpan.FromSeconds(1));
        var read = await pipe.Reader.ReadAsync();
        pipe.Reader.AdvanceTo(read.Buffer.End);
        await call.WaitAsync(TimeSpan.FromSeconds(30));
        _time.Advance(Timeout);

        Assert.Equal(1024, read.Buffer.Length);
        Assert.False(lifetime.Aborted);
    }

    [Fact]
    public void Operations_of_one_tick_share_a_token_that_fires_between_the_timeout_and_a_tick_after_it()
    {
        var deadline = new SharedDeadline(Timeout, _time); // a tick is a second
        var start = _time.GetUtcNow();
        void At(double seconds) => _time.Advance(start + TimeSpan.FromSeconds(seconds) - _time.GetUtcNow());

        var first = deadline.Token;
        At(0.5);
        var sameTick = deadline.Token;
        At(1.5);
        var nextTick = deadline.Token;
        Assert.Equal(first, sameTick);
        Assert.NotEqual(first, nextTick);

        At(30.999); // past the timeout of the operation that began at 0.5, not yet past its tick's deadline
        Assert.False(sameTick.IsCancellationRequested);
        At(31);
        Assert.True(sameTick.IsCancellationRequested);
        Assert.False(nextTick.IsCancellationRequested);
        At(32.5);
        Assert.True(nextTick.IsCancellationRequested);
    }
}
