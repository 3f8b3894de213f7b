using Google.Protobuf;
using Grpc.Core;
using Paxos.Node.Hosting;
using Paxos.Node.Services;
using Paxos.Transport.V1;

namespace Paxos.Cluster.Tests;

/// <summary>The in-flight bounds of <see cref="ClientCallLimiter"/>, with calls held in progress for as long as the test wants.</summary>
public sealed class ClientCallLimiterTests
{
    private sealed class Call(string method) : ServerCallContext
    {
        protected override string MethodCore => method;
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

    private readonly TaskCompletionSource<PutResponse> _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Task<PutResponse> Hold(ClientCallLimiter limiter, int bytes, string method = "/paxos.v1.KeyValueService/Put") =>
        limiter.UnaryServerHandler(new PutRequest { Key = "k", Value = ByteString.CopyFrom(new byte[bytes]) }, new Call(method), (_, _) => _release.Task);

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

    [Fact]
    public async Task A_request_that_would_pass_the_byte_bound_is_refused_until_room_is_made()
    {
        var limiter = new ClientCallLimiter(new ServerLimits { MaxClientRequestBytesInFlight = 1_500_000 });
        var large = Hold(limiter, 1024 * 1024);

        var refused = await Assert.ThrowsAsync<RpcException>(() => Hold(limiter, 1024 * 1024));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("1500000 bytes of client requests", refused.Status.Detail, StringComparison.Ordinal);
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
        Task Stream() => limiter.ServerStreamingServerHandler<GetRequest, GetResponse>(new GetRequest(), null!, new Call("/paxos.v1.WatchService/Watch"), (_, _, _) => open.Task);
        var watching = Stream();

        var refused = await Assert.ThrowsAsync<RpcException>(Stream);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        _release.SetResult(new PutResponse());
        await Hold(limiter, 10);

        open.SetResult();
        await watching;
        var again = Stream();
        Assert.False(again.IsFaulted);
    }
}
