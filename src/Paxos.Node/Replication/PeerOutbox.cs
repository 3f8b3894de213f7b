using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Paxos.Node.Hosting;
using Paxos.Core.Replication;
using Paxos.Transport.Replication;
using Paxos.Transport.V1;
using ReplicaMessage = Paxos.Core.Replication.ReplicaMessage;
using Wire = Paxos.Transport.V1;

namespace Paxos.Node.Replication;

/// <summary>
/// Messages on their way to one peer: a bounded queue and one sender that takes everything
/// queued and writes it as one batch on a long-lived Deliver stream, then the next. When the
/// queue is full, messages are dropped. While the peer is unreachable they wait and the stream is
/// opened again, less and less often, each time with an empty delivery, so that the return of a
/// peer this node has nothing to send to is noticed too; once it is back, protocol messages that waited longer than
/// the maximum age are dropped instead of sent. The protocol tolerates loss and resends what
/// matters (heartbeats every tick, unacknowledged Accepts with them), while a late message can
/// only mislead: a pre-vote granted while no leader was known, arriving after one was elected,
/// would start a needless election. Forwarded commands and their results are kept whatever their
/// age: nothing resends those, and their senders wait for them with deadlines of their own.
/// A delivery carries at most <see cref="ReplicaWire.MaxMessagesPerDelivery"/> messages and, encoded,
/// at most the maximum message size; a message that alone would exceed it is dropped and counted
/// (<see cref="OversizedDropped"/>), never sent to fail the delivery with the messages around it.
/// </summary>
public sealed partial class PeerOutbox : IAsyncDisposable
{
    private const int Capacity = 8192;
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(1);

    private readonly int _self;
    private readonly int _peer;
    private readonly PaxosService.PaxosServiceClient _client;
    private readonly ILogger _logger;
    private readonly Channel<Queued> _queue = Channel.CreateBounded<Queued>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly TimeSpan _maxMessageAge;
    private readonly int _maxMessageBytes;
    private readonly TimeProvider _time;
    private readonly Action<string>? _removed;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sender;
    private volatile bool _peerDown;
    private Queued? _carried;
    private long _oversizedDropped;

    /// <param name="self">This node's index.</param>
    /// <param name="peer">The index of the node this outbox sends to.</param>
    /// <param name="client">The gRPC client of that node.</param>
    /// <param name="logger">Where unreachable and reachable-again are logged.</param>
    /// <param name="maxMessageAge">A protocol message still queued after this long is dropped instead of sent.</param>
    /// <param name="maxMessageBytes">The largest encoded delivery the stream may carry (the channel's maximum send size).</param>
    /// <param name="time">The clock of message ages and retry delays (tests pass a fake one).</param>
    /// <param name="removed">Called with the peer's reason when the peer refuses this node's stream because this node was removed from the cluster (<see cref="PeerRefusal.Removed"/>).</param>
    public PeerOutbox(int self, int peer, PaxosService.PaxosServiceClient client, ILogger logger, TimeSpan maxMessageAge, int maxMessageBytes, TimeProvider? time = null,
        Action<string>? removed = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageBytes, EmptyDeliveryBytes(self, peer) + 1);
        _self = self;
        _peer = peer;
        _client = client;
        _logger = logger;
        _maxMessageAge = maxMessageAge;
        _maxMessageBytes = maxMessageBytes;
        _time = time ?? TimeProvider.System;
        _removed = removed;
        _sender = Task.Run(SendLoopAsync);
    }

    /// <summary>
    /// True from the moment the stream to the peer failed (the call ended, a write failed or a new one
    /// could not connect) until a write succeeds again. A dead peer's connection closes at once, so
    /// this turns true without waiting for a message to fail.
    /// </summary>
    public bool PeerDown => _peerDown;

    /// <summary>Messages dropped because one alone, encoded, would exceed the maximum message size.</summary>
    public long OversizedDropped => Interlocked.Read(ref _oversizedDropped);

    /// <summary>Queues a message; drops it if the queue is full.</summary>
    public void Post(ReplicaMessage message) => _queue.Writer.TryWrite(new Queued(message, _time.GetTimestamp()));

    /// <summary>Stops sending; messages still queued are dropped (the protocol resends what matters).</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _sender.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        _stop.Dispose();
    }

    private async Task SendLoopAsync()
    {
        var reader = _queue.Reader;
        var retryDelay = RetryDelay;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                // One long-lived stream per peer: a batch costs one HTTP/2 DATA frame, not a whole call.
                using var call = _client.Deliver(cancellationToken: _stop.Token);
                using var callEnded = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                _ = call.ResponseAsync.ContinueWith(ended =>
                    {
                        NoticeRemoval(ended);
                        CancelIfLive(callEnded);
                    }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                if (_peerDown)
                {
                    // An empty delivery asks whether the peer is back, with or without messages to send:
                    // PeerDown then tells the truth about an idle peer too (within the retry delay).
                    await WriteAsync(call, new DeliverRequest { FromNode = _self, ToNode = _peer }).ConfigureAwait(false);
                    retryDelay = RetryDelay;
                }
                while (_carried is not null || await reader.WaitToReadAsync(callEnded.Token).ConfigureAwait(false))
                {
                    var request = NextDelivery(reader);
                    if (request.Messages.Count == 0)
                    {
                        continue; // everything queued was stale or too large
                    }
                    await WriteAsync(call, request).ConfigureAwait(false);
                }
                return; // the queue was completed: stopping
            }
            catch (Exception e) when (e is RpcException or IOException or OperationCanceledException or InvalidOperationException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return; // stopping: the write in flight was cancelled
                }
                if (!_peerDown)
                {
                    _peerDown = true;
                    LogPeerDown(_peer, e.GetType().Name, e.Message);
                }
                await Task.Delay(retryDelay, _time, _stop.Token).ConfigureAwait(false);
                retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, MaxRetryDelay.Ticks)); // a dead peer is tried less and less often
            }
        }
    }

    /// <summary>
    /// Takes queued messages, oldest first, into one delivery until the next would take it over the
    /// maximum message size or count; that one is carried over to start the next delivery.
    /// </summary>
    private DeliverRequest NextDelivery(ChannelReader<Queued> reader)
    {
        var request = new DeliverRequest { FromNode = _self, ToNode = _peer };
        int empty = request.CalculateSize();
        int bytes = empty;
        while (request.Messages.Count < ReplicaWire.MaxMessagesPerDelivery && TakeNext(reader, out var queued))
        {
            if (IsStale(queued))
            {
                continue;
            }
            var message = ReplicaWire.ToWire(queued.Message);
            int size = EncodedSize(message);
            if (empty + size > _maxMessageBytes)
            {
                Interlocked.Increment(ref _oversizedDropped);
                LogOversized(_peer, message.BodyCase, empty + size, _maxMessageBytes);
                continue;
            }
            if (bytes + size > _maxMessageBytes)
            {
                _carried = queued;
                break;
            }
            request.Messages.Add(message);
            bytes += size;
        }
        return request;
    }

    /// <summary>The message carried over from the last delivery, else the next queued one.</summary>
    private bool TakeNext(ChannelReader<Queued> reader, out Queued queued)
    {
        if (_carried is { } carried)
        {
            _carried = null;
            queued = carried;
            return true;
        }
        return reader.TryRead(out queued);
    }

    private static int EmptyDeliveryBytes(int self, int peer) => new DeliverRequest { FromNode = self, ToNode = peer }.CalculateSize();

    /// <summary>What <paramref name="message"/> adds to a delivery, encoded.</summary>
    private static int EncodedSize(Wire.ReplicaMessage message) =>
        CodedOutputStream.ComputeTagSize(DeliverRequest.MessagesFieldNumber) + CodedOutputStream.ComputeMessageSize(message);

    /// <summary>
    /// Whether <paramref name="message"/> alone fits in a delivery of at most <paramref name="maxMessageBytes"/>
    /// encoded bytes, the test an outbox drops a message by (the simulator's network applies it too).
    /// </summary>
    public static bool FitsAlone(ReplicaMessage message, int maxMessageBytes)
    {
        ArgumentNullException.ThrowIfNull(message);
        return EmptyDeliveryBytes(message.From, message.To) + EncodedSize(ReplicaWire.ToWire(message)) <= maxMessageBytes;
    }

    /// <summary>Writes one delivery; the peer is reachable once a write succeeds.</summary>
    private async Task WriteAsync(AsyncClientStreamingCall<DeliverRequest, DeliverResponse> call, DeliverRequest request)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(WriteTimeout); // a peer that stopped reading (paused, partitioned) gets a new stream
        await call.RequestStream.WriteAsync(request, timeout.Token).ConfigureAwait(false);
        if (_peerDown)
        {
            _peerDown = false;
            LogPeerBack(_peer);
        }
    }

    /// <summary>A protocol message queued longer than the maximum age; forwarded commands and results never are.</summary>
    private bool IsStale(Queued queued) =>
        queued.Message is not (ForwardProposal or ForwardResult) && _time.GetElapsedTime(queued.PostedAt) > _maxMessageAge;

    /// <summary>Tells <see cref="_removed"/> when the peer ended the stream because this node was removed from the cluster.</summary>
    private void NoticeRemoval(Task ended)
    {
        if (ended.Exception?.InnerException is RpcException refused && refused.Trailers.GetValue(PeerHeaders.RefusalTrailer) == PeerRefusal.Removed)
        {
            _removed?.Invoke(refused.Status.Detail);
        }
    }

    /// <summary>Ends the wait for messages when the stream's call ended (the peer went away), unless that wait is already over.</summary>
    private static void CancelIfLive(CancellationTokenSource callEnded)
    {
        try
        {
            callEnded.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // the sender already left this call
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "peer {Peer} unreachable ({Kind}: {Detail}); retrying, and dropping protocol messages that wait too long")]
    private partial void LogPeerDown(int peer, string kind, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "dropped a {Kind} message to peer {Peer}: encoded it takes {Bytes} bytes, over the maximum message size of {MaxBytes}")]
    private partial void LogOversized(int peer, Wire.ReplicaMessage.BodyOneofCase kind, int bytes, int maxBytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "peer {Peer} reachable again")]
    private partial void LogPeerBack(int peer);

    private readonly record struct Queued(ReplicaMessage Message, long PostedAt);
}
