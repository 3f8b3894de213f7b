using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Paxos.Node.Hosting;
using Paxos.Node.Services;
using Paxos.Transport.V1;

namespace Paxos.Cluster.Tests;

/// <summary>
/// The in-flight bounds of <see cref="ClientCallLimiter"/>, with calls held in progress for as long
/// as the test wants; a unary call's request completes (its response written) when its handler ends.
/// </summary>
public sealed class ClientCallLimiterTests
{
    /// <summary>The request of a call: its completion callbacks run when <see cref="CompleteAsync"/> is called.</summary>
    private sealed class Request : HttpResponseFeature
    {
        private readonly List<(Func<object, Task> Callback, object State)> _completed = [];

        public override void OnCompleted(Func<object, Task> callback, object state) => _completed.Add((callback, state));

        public async Task CompleteAsync()
        {
            foreach (var (callback, state) in _completed)
            {
                await callback(state);
            }
        }
    }

    /// <summary>Whether the call was cut off.</summary>
    private sealed class Lifetime : IHttpRequestLifetimeFeature
    {
        public CancellationToken RequestAborted { get; set; }

        public bool Aborted { get; private set; }

        public void Abort() => Aborted = true;
    }

    /// <summary>A client that never reads: no message is ever written.</summary>
    private sealed class Unread<T> : IServerStreamWriter<T>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(T message) => new TaskCompletionSource().Task;
    }

    private sealed class Call : ServerCallContext
    {
        private readonly string _method;

        public Call(string method, string client = "127.0.0.1")
        {
            _method = method;
            var http = new DefaultHttpContext();
            http.Connection.Id = "connection-" + client;
            http.Connection.RemoteIpAddress = IPAddress.Parse(client);
            http.Features.Set<IHttpResponseFeature>(Request);
            http.Features.Set<IHttpRequestLifetimeFeature>(Lifetime);
            UserState["__HttpContext"] = http;
        }

        public Request Request { get; } = new();

        public Lifetime Lifetime { get; } = new();

        protected override string MethodCore => _method;
        protected override string HostCore => "node";
        protected override string PeerCore => "ipv4:127.0.0.1:1";
        protected override DateTime DeadlineCore => DateTime.MaxValue;
        protected override Metadata RequestHeadersCore { get; } = [];
        protected override CancellationToken CancellationTokenCore => CancellationToken.None;
        protected override Metadata ResponseTrailersCore { get; } = [];
        protected override Status StatusCore { get; set; }
        protected override WriteOptions? WriteOptionsCore { get; set; }
        protected override AuthContext AuthContextCore => new(null, []);
        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();
        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }

    /// <summary>How long a refusal may take: it is immediate, and a call not refused waits for ever.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly TaskCompletionSource<PutResponse> _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task<PutResponse> Hold(ClientCallLimiter limiter, int bytes, string method = "/paxos.v1.KeyValueService/Put", string client = "127.0.0.1")
    {
        var call = new Call(method, client);
        var response = await limiter.UnaryServerHandler(new PutRequest { Key = "k", Value = ByteString.CopyFrom(new byte[bytes]) }, call, (_, _) => _release.Task);
        await call.Request.CompleteAsync();
        return response;
    }

    [Fact]
    public async Task Calls_beyond_the_count_are_refused_until_one_ends()
    {
        var limiter = new ClientCallLimiter(new ServerLimits { MaxClientCallsInFlight = 2 });
        var held = new[] { Hold(limiter, 10), Hold(limiter, 10) };

        var refused = await Assert.ThrowsAsync<RpcException>(() => Hold(limiter, 10));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.False(Hold(limiter, 10, "/paxos.v1.PaxosService/Prepare").IsCompleted, "a peer call is not counted, so not refused");

        _release.SetResult(new PutResponse());
        await Task.WhenAll(held);
        await Hold(limiter, 10);
    }

    /// <summary>
    /// A client (an IP address) has a share of the calls and request bytes: beyond it, its calls are
    /// refused while another's pass; an IPv4 client is the same client over an IPv6-mapped address.
    /// </summary>
    [Fact]
    public async Task A_clients_calls_beyond_its_share_are_refused_and_another_clients_are_not()
    {
        var limiter = new ClientCallLimiter(new ServerLimits { MaxClientCallsInFlightPerClient = 2, MaxClientRequestBytesInFlightPerClient = 1_500_000 });
        var held = new[] { Hold(limiter, 10, client: "10.0.0.1"), Hold(limiter, 10, client: "::ffff:10.0.0.1") };

        var refused = await Assert.ThrowsAsync<RpcException>(() => Hold(limiter, 10, client: "10.0.0.1").WaitAsync(Patience));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("client 10.0.0.1 is at its limit of 2 client calls in progress", refused.Status.Detail, StringComparison.Ordinal);
        var large = Hold(limiter, 1024 * 1024, client: "10.0.0.2");
        var tooLarge = await Assert.ThrowsAsync<RpcException>(() => Hold(limiter, 1024 * 1024, client: "10.0.0.2").WaitAsync(Patience));
        Assert.Contains("client 10.0.0.2 is at its limit of 1500000 bytes", tooLarge.Status.Detail, StringComparison.Ordinal);
        var other = Hold(limiter, 1024 * 1024, client: "10.0.0.3");

        _release.SetResult(new PutResponse());
        await Task.WhenAll([.. held, large, other]);
        await Hold(limiter, 10, client: "10.0.0.1");
        await Hold(limiter, 1024 * 1024, client: "10.0.0.2");
    }

    [Fact]
    public async Task A_request_that_would_pass_the_byte_bound_is_refused_until_room_is_made()
    {
        var limiter = new ClientCallLimiter(new ServerLimits { MaxClientRequestBytesInFlight = 1_500_000 });
        var large = Hold(limiter, 1024 * 1024);

        var refused = await Assert.ThrowsAsync<RpcException>(() => Hold(limiter, 1024 * 1024));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("1500000 bytes of client calls", refused.Status.Detail, StringComparison.Ordinal);
        _ = Hold(limiter, 1000); // small requests still fit beside it

        _release.SetResult(new PutResponse());
        await large;
        await Hold(limiter, 1024 * 1024);
    }

    /// <summary>Streams (watches) are counted apart from unary calls: a long-lived one holds no unary call's place.</summary>
    [Fact]
    public async Task Streams_beyond_their_count_are_refused_and_leave_unary_calls_alone()
    {
        var limiter = new ClientCallLimiter(new ServerLimits { MaxClientStreams = 1, MaxClientCallsInFlight = 1 });
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task Stream(string client = "127.0.0.1") => limiter.ServerStreamingServerHandler<GetRequest, GetResponse>(new GetRequest(), null!, new Call("/paxos.v1.WatchService/Watch", client), (_, _, _) => open.Task);
        var watching = Stream();

        var refused = await Assert.ThrowsAsync<RpcException>(() => Stream().WaitAsync(Patience));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("limit of 1 client streams open", refused.Status.Detail, StringComparison.Ordinal);
        var fromAnother = await Assert.ThrowsAsync<RpcException>(() => Stream("10.0.0.9").WaitAsync(Patience));
        Assert.Contains("the node is at its limit", fromAnother.Status.Detail, StringComparison.Ordinal);
        _release.SetResult(new PutResponse());
        await Hold(limiter, 10);

        open.SetResult();
        await watching;
        var again = Stream();
        Assert.False(again.IsFaulted);
    }

    /// <summary>A read's response counts against its connection's share until it is written, not only until the handler returns.</summary>
    [Fact]
    public async Task A_reads_unwritten_response_holds_its_connections_share_until_written()
    {
        var limiter = new ClientCallLimiter(new ServerLimits { MaxClientResponseBytesPerConnection = 1_500_000 });
        Task<GetResponse> Get(Call call) => limiter.UnaryServerHandler(new GetRequest { Key = "k" }, call,
            (_, _) => Task.FromResult(new GetResponse { Value = ByteString.CopyFrom(new byte[1024 * 1024]) }));
        var unwritten = new Call("/paxos.v1.KeyValueService/Get");
        await Get(unwritten);

        var refused = await Assert.ThrowsAsync<RpcException>(() => Get(new Call("/paxos.v1.KeyValueService/Get")));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("unwritten responses on one connection", refused.Status.Detail, StringComparison.Ordinal);

        await unwritten.Request.CompleteAsync();
        await Get(new Call("/paxos.v1.KeyValueService/Get"));
    }

    [Fact]
    public async Task A_watch_message_not_written_within_the_timeout_cuts_the_call_off()
    {
        var limiter = new ClientCallLimiter(new ServerLimits { ResponseWriteTimeout = TimeSpan.FromMilliseconds(200) });
        var call = new Call("/paxos.v1.WatchService/Watch");

        var cut = await Assert.ThrowsAsync<RpcException>(() => limiter.ServerStreamingServerHandler<GetRequest, GetResponse>(
            new GetRequest(), new Unread<GetResponse>(), call, (_, stream, _) => stream.WriteAsync(new GetResponse())).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(StatusCode.Cancelled, cut.StatusCode);
        Assert.True(call.Lifetime.Aborted, "the call was not cut off");
    }
}
