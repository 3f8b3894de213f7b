using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Paxos.Core.Replication;
using Paxos.Node.Replication;
using Paxos.Transport;
using Paxos.Transport.V1;
using Ballot = Paxos.Core.Ballot;
using ForwardStatus = Paxos.Core.Replication.ForwardStatus;
using Wire = Paxos.Transport.V1;

namespace Paxos.Cluster.Tests;

/// <summary>A peer's outbox while the peer is unreachable and once it is back, on a fake clock and a fake stream.</summary>
public sealed class PeerOutboxTests
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromMilliseconds(250);

    private static Heartbeat Beat(ulong round) => new(0, 1, new Ballot(1, 0), 0, round);

    private static ForwardProposal Forward(ulong id, int bytes) => new(0, 1, id, new byte[bytes]);

    [Fact]
    public async Task Protocol_messages_that_waited_out_an_outage_are_dropped_and_forwarded_results_are_kept()
    {
        var time = new FakeTimeProvider();
        var invoker = new FakeDeliverInvoker { Failing = true };
        await using var outbox = new PeerOutbox(0, 1, new PaxosService.PaxosServiceClient(invoker), NullLogger.Instance, MaxAge, WireLimits.MaxMessageBytes, time);

        outbox.Post(Beat(1)); // its write fails: the peer is down
        await Eventually(() => outbox.PeerDown);
        outbox.Post(Beat(2));
        outbox.Post(new ForwardResult(0, 1, 7, ForwardStatus.Applied, 3, 3, new byte[] { 1 }, -1));
        invoker.Failing = false;
        time.Advance(TimeSpan.FromSeconds(1)); // the retry delay passes; both messages are now a second old
        await Eventually(() => !invoker.Written.IsEmpty);
        outbox.Post(Beat(3));
        await Eventually(() => invoker.Written.Any(m => m.Heartbeat?.Round == 3));

        Assert.False(outbox.PeerDown);
        Assert.Equal(
            [Wire.ReplicaMessage.BodyOneofCase.ForwardResult, Wire.ReplicaMessage.BodyOneofCase.Heartbeat],
            invoker.Written.Select(m => m.BodyCase));
        Assert.Equal(7ul, invoker.Written.First().ForwardResult.Id);
    }

    [Fact]
    public async Task A_peer_that_comes_back_is_seen_reachable_with_nothing_to_send_to_it()
    {
        var time = new FakeTimeProvider();
        var invoker = new FakeDeliverInvoker { Failing = true };
        await using var outbox = new PeerOutbox(0, 1, new PaxosService.PaxosServiceClient(invoker), NullLogger.Instance, MaxAge, WireLimits.MaxMessageBytes, time);
        outbox.Post(Beat(1));
        await Eventually(() => outbox.PeerDown);

        invoker.Failing = false;
        time.Advance(TimeSpan.FromSeconds(1));

        await Eventually(() => !outbox.PeerDown);
        Assert.Empty(invoker.Written); // the heartbeat went with the failed write; the peer answered an empty delivery
    }

    [Fact]
    public async Task Messages_sent_while_the_peer_answers_are_never_too_old()
    {
        var time = new FakeTimeProvider();
        var invoker = new FakeDeliverInvoker();
        await using var outbox = new PeerOutbox(0, 1, new PaxosService.PaxosServiceClient(invoker), NullLogger.Instance, MaxAge, WireLimits.MaxMessageBytes, time);

        for (ulong round = 1; round <= 3; round++)
        {
            outbox.Post(Beat(round));
            await Eventually(() => invoker.Written.Count == (int)round);
            time.Advance(TimeSpan.FromSeconds(1)); // time passes between messages, not while they wait
        }

        Assert.Equal([1ul, 2ul, 3ul], invoker.Written.Select(m => m.Heartbeat.Round));
    }

    [Fact]
    public async Task Stopping_while_a_write_hangs_ends_quietly()
    {
        var invoker = new FakeDeliverInvoker { Hanging = true };
        var outbox = new PeerOutbox(0, 1, new PaxosService.PaxosServiceClient(invoker), NullLogger.Instance, MaxAge, WireLimits.MaxMessageBytes, new FakeTimeProvider());
        outbox.Post(Beat(1));
        await Eventually(() => invoker.HangingWrites > 0);

        await outbox.DisposeAsync(); // the write ends as gRPC ends a cancelled one, with RpcException(Cancelled)

        Assert.Empty(invoker.Written);
    }

    [Fact]
    public async Task Messages_that_together_exceed_the_maximum_message_size_go_in_several_deliveries()
    {
        var invoker = new FakeDeliverInvoker { MaxWriteBytes = WireLimits.MaxMessageBytes };
        await using var outbox = new PeerOutbox(0, 1, new PaxosService.PaxosServiceClient(invoker), NullLogger.Instance, MaxAge, WireLimits.MaxMessageBytes, new FakeTimeProvider());

        for (ulong id = 1; id <= 8; id++)
        {
            outbox.Post(Forward(id, WireLimits.MaxValueBytes)); // 8 MiB in all, twice what one delivery may carry
            outbox.Post(Beat(id));
        }
        await Eventually(() => invoker.Written.Count == 16);

        Assert.False(outbox.PeerDown);
        Assert.Equal(0, invoker.RejectedWrites);
        Assert.True(invoker.Writes >= 2);
        Assert.Equal([1ul, 2ul, 3ul, 4ul, 5ul, 6ul, 7ul, 8ul], invoker.Written.Where(m => m.ForwardProposal is not null).Select(m => m.ForwardProposal.Id));
    }

    [Fact]
    public async Task A_message_too_large_for_any_delivery_is_dropped_alone()
    {
        var invoker = new FakeDeliverInvoker { MaxWriteBytes = WireLimits.MaxMessageBytes };
        await using var outbox = new PeerOutbox(0, 1, new PaxosService.PaxosServiceClient(invoker), NullLogger.Instance, MaxAge, WireLimits.MaxMessageBytes, new FakeTimeProvider());

        outbox.Post(Beat(1));
        outbox.Post(Forward(7, WireLimits.MaxMessageBytes)); // cannot fit in any delivery
        outbox.Post(Beat(2));
        await Eventually(() => invoker.Written.Count == 2);

        Assert.False(outbox.PeerDown);
        Assert.Equal(0, invoker.RejectedWrites);
        Assert.Equal([1ul, 2ul], invoker.Written.Select(m => m.Heartbeat.Round));
        Assert.Equal(1, outbox.OversizedDropped);
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the outbox never got there");
            await Task.Delay(10);
        }
    }

    /// <summary>
    /// A Deliver stream that fails every write while <see cref="Failing"/>, never finishes one while
    /// <see cref="Hanging"/> (until it is cancelled), and otherwise records what is written.
    /// </summary>
    private sealed class FakeDeliverInvoker : CallInvoker
    {
        public volatile bool Failing;
        public volatile bool Hanging;

        /// <summary>A write larger than this fails as gRPC fails a message over its maximum size.</summary>
        public int MaxWriteBytes = int.MaxValue;
        private int _hangingWrites;
        private int _writes;
        private int _rejectedWrites;

        public int HangingWrites => Volatile.Read(ref _hangingWrites);

        public int Writes => Volatile.Read(ref _writes);

        public int RejectedWrites => Volatile.Read(ref _rejectedWrites);

        public ConcurrentQueue<Wire.ReplicaMessage> Written { get; } = new();

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
        {
            var never = new TaskCompletionSource<TResponse>();
            var writer = new Writer<TRequest>(this);
            return new AsyncClientStreamingCall<TRequest, TResponse>(writer, never.Task, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
        }

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) => throw new NotSupportedException();

        private sealed class Writer<T>(FakeDeliverInvoker invoker) : IClientStreamWriter<T>
        {
            public WriteOptions? WriteOptions { get; set; }

            public Task WriteAsync(T message)
            {
                if (invoker.Failing)
                {
                    throw new RpcException(new Status(StatusCode.Unavailable, "connection refused"));
                }
                var request = (DeliverRequest)(object)message!;
                if (request.CalculateSize() > invoker.MaxWriteBytes)
                {
                    Interlocked.Increment(ref invoker._rejectedWrites);
                    throw new RpcException(new Status(StatusCode.ResourceExhausted, "Sending message exceeds the maximum configured message size."));
                }
                Interlocked.Increment(ref invoker._writes);
                foreach (var m in request.Messages)
                {
                    invoker.Written.Enqueue(m);
                }
                return Task.CompletedTask;
            }

            public Task WriteAsync(T message, CancellationToken cancellationToken) =>
                invoker.Hanging ? HangAsync(cancellationToken) : WriteAsync(message);

            private async Task HangAsync(CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref invoker._hangingWrites);
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    throw new RpcException(new Status(StatusCode.Cancelled, "Call canceled by the client."));
                }
            }

            public Task CompleteAsync() => Task.CompletedTask;
        }
    }
}
