using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Paxos.Core.Replication;
using Paxos.Transport.Replication;
using Paxos.Transport.V1;
using ReplicaMessage = Paxos.Core.Replication.ReplicaMessage;

namespace Paxos.Node.Replication;

/// <summary>
/// Messages on their way to one peer: a bounded queue and one sender that takes everything
/// queued and writes it as one batch on a long-lived Deliver stream, then the next. When the
/// queue is full or the peer is unreachable, messages are dropped (and the stream is opened
/// again): the protocol tolerates loss and retries.
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
    private readonly Channel<ReplicaMessage> _queue = Channel.CreateBounded<ReplicaMessage>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sender;
    private volatile bool _peerDown;

    public PeerOutbox(int self, int peer, PaxosService.PaxosServiceClient client, ILogger logger)
    {
        _self = self;
        _peer = peer;
        _client = client;
        _logger = logger;
        _sender = Task.Run(SendLoopAsync);
    }

    /// <summary>
    /// True from the moment the stream to the peer failed (the call ended, a write failed or a new one
    /// could not connect) until a write succeeds again. A dead peer's connection closes at once, so
    /// this turns true without waiting for a message to fail.
    /// </summary>
    public bool PeerDown => _peerDown;

    /// <summary>Queues a message; drops it if the queue is full.</summary>
    public void Post(ReplicaMessage message) => _queue.Writer.TryWrite(message);

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
                _ = call.ResponseAsync.ContinueWith(static (_, state) => CancelIfLive((CancellationTokenSource)state!), callEnded,
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                while (await reader.WaitToReadAsync(callEnded.Token).ConfigureAwait(false))
                {
                    var request = new DeliverRequest { FromNode = _self, ToNode = _peer };
                    while (request.Messages.Count < ReplicaWire.MaxMessagesPerDelivery && reader.TryRead(out var message))
                    {
                        request.Messages.Add(ReplicaWire.ToWire(message));
                    }
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    timeout.CancelAfter(WriteTimeout); // a peer that stopped reading (paused, partitioned) gets a new stream
                    await call.RequestStream.WriteAsync(request, timeout.Token).ConfigureAwait(false);
                    if (_peerDown)
                    {
                        _peerDown = false;
                        retryDelay = RetryDelay;
                        LogPeerBack(_peer);
                    }
                }
                return; // the queue was completed: stopping
            }
            catch (Exception e) when (!_stop.IsCancellationRequested && e is RpcException or IOException or OperationCanceledException or InvalidOperationException)
            {
                if (!_peerDown)
                {
                    _peerDown = true;
                    LogPeerDown(_peer, e.GetType().Name, e.Message);
                }
                await Task.Delay(retryDelay, _stop.Token).ConfigureAwait(false);
                retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, MaxRetryDelay.Ticks)); // a dead peer is tried less and less often
            }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "peer {Peer} unreachable ({Kind}: {Detail}); dropping messages to it until it answers")]
    private partial void LogPeerDown(int peer, string kind, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "peer {Peer} reachable again")]
    private partial void LogPeerBack(int peer);
}
