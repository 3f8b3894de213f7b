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
/// queued and sends it in a single Deliver call (batching), then the next. When the queue is full
/// or the peer is unreachable, messages are dropped: the protocol tolerates loss and retries.
/// </summary>
public sealed partial class PeerOutbox : IAsyncDisposable
{
    private const int Capacity = 8192;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(50);

    private readonly int _self;
    private readonly int _peer;
    private readonly PaxosService.PaxosServiceClient _client;
    private readonly ILogger _logger;
    private readonly Channel<ReplicaMessage> _queue = Channel.CreateBounded<ReplicaMessage>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sender;
    private bool _peerWasDown;

    public PeerOutbox(int self, int peer, PaxosService.PaxosServiceClient client, ILogger logger)
    {
        _self = self;
        _peer = peer;
        _client = client;
        _logger = logger;
        _sender = Task.Run(SendLoopAsync);
    }

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
        while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
        {
            var request = new DeliverRequest { FromNode = _self, ToNode = _peer };
            while (request.Messages.Count < ReplicaWire.MaxMessagesPerDelivery && reader.TryRead(out var message))
            {
                request.Messages.Add(ReplicaWire.ToWire(message));
            }
            try
            {
                await _client.DeliverAsync(request, deadline: DateTime.UtcNow + CallTimeout, cancellationToken: _stop.Token).ConfigureAwait(false);
                if (_peerWasDown)
                {
                    _peerWasDown = false;
                    LogPeerBack(_peer);
                }
            }
            catch (RpcException e) when (!_stop.IsCancellationRequested)
            {
                if (!_peerWasDown)
                {
                    _peerWasDown = true;
                    LogPeerDown(_peer, e.Status.StatusCode, e.Status.Detail);
                }
                await Task.Delay(RetryDelay, _stop.Token).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "peer {Peer} unreachable ({Code}: {Detail}); dropping messages to it until it answers")]
    private partial void LogPeerDown(int peer, StatusCode code, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "peer {Peer} reachable again")]
    private partial void LogPeerBack(int peer);
}
