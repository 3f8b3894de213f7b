using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Paxos.Core.Replication;
using Paxos.Node.Hosting;
using Paxos.Transport.V1;
using Member = Paxos.Core.Replication.Member;
using ReplicaMessage = Paxos.Core.Replication.ReplicaMessage;

namespace Paxos.Node.Replication;

/// <summary>
/// The peers of a running node, following the membership it has applied: one channel and one
/// <see cref="PeerOutbox"/> per other member (voter or learner), keyed by node number, opened when a
/// member is added and closed when it is removed (<see cref="UpdateMembership"/>), and the
/// <see cref="SnapshotSender"/>. The links follow the newest membership by slot they were given: a
/// joining node keeps the membership it was added to until it has applied one as new. Disposing
/// stops snapshot transfers and closes every link.
/// </summary>
public sealed class PeerLinks : IReplicaPeers, IAsyncDisposable
{
    private readonly MemberDirectory _directory;
    private readonly Func<Member, GrpcChannel> _connect;
    private readonly Func<int, PaxosService.PaxosServiceClient, PeerOutbox> _openOutbox;
    private readonly SnapshotSender _snapshotSender;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _closing = [];
    private volatile Link?[] _links = new Link?[Membership.MaxNumbers];

    /// <param name="directory">This node's number and the membership to follow first; updated with the links.</param>
    /// <param name="snapshots">The snapshots sent to peers that lag behind the compacted log.</param>
    /// <param name="connect">Opens a channel to a member (its url, TLS and the caller's headers).</param>
    /// <param name="openOutbox">Opens the outbox to a node number over its client.</param>
    /// <param name="logger">The snapshot sender's logger.</param>
    public PeerLinks(MemberDirectory directory, ReplicaSnapshots snapshots, Func<Member, GrpcChannel> connect,
        Func<int, PaxosService.PaxosServiceClient, PeerOutbox> openOutbox, ILogger<SnapshotSender> logger)
    {
        ArgumentNullException.ThrowIfNull(directory);
        _directory = directory;
        _connect = connect;
        _openOutbox = openOutbox;
        _snapshotSender = new SnapshotSender(directory.Self, snapshots, Client, logger);
        Follow(directory.Current);
    }

    /// <inheritdoc/>
    public void Send(ReplicaMessage message) => LinkTo(message.To)?.Outbox.Post(message);

    /// <inheritdoc/>
    public bool IsDown(int peer) => LinkTo(peer)?.Outbox is not { PeerDown: false };

    /// <inheritdoc/>
    public void SendSnapshot(int peer, ulong index) => _snapshotSender.Send(peer, index, _stop.Token);

    /// <summary>
    /// Opens links to the members of <paramref name="applied"/> this node has none to (or whose url
    /// changed) and closes those to nodes it no longer holds; ignored if older (by slot) than the
    /// membership followed now. Called by the replica at open and whenever its applied membership changes.
    /// </summary>
    public void UpdateMembership(Membership applied)
    {
        ArgumentNullException.ThrowIfNull(applied);
        if (applied.Slot < _directory.Current.Slot || _stop.IsCancellationRequested)
        {
            return;
        }
        _directory.Update(applied);
        Follow(applied);
    }

    /// <summary>The channel to node <paramref name="node"/>; null for this node or a node not linked.</summary>
    public GrpcChannel? Channel(int node) => LinkTo(node)?.Channel;

    /// <summary>The outboxes open now, by node number.</summary>
    public IEnumerable<(int Node, PeerOutbox Outbox)> Outboxes()
    {
        foreach (var link in _links)
        {
            if (link is not null)
            {
                yield return (link.Member.Number, link.Outbox);
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        Task[] closing;
        lock (_closing)
        {
            foreach (var link in _links)
            {
                if (link is not null)
                {
                    _closing.Add(link.CloseAsync());
                }
            }
            _links = new Link?[Membership.MaxNumbers];
            closing = [.. _closing];
        }
        await Task.WhenAll(closing).ConfigureAwait(false);
        _stop.Dispose();
    }

    private PaxosService.PaxosServiceClient? Client(int node) => LinkTo(node)?.Client;

    private Link? LinkTo(int node) => node is >= 0 and < Membership.MaxNumbers ? _links[node] : null;

    private void Follow(Membership membership)
    {
        lock (_closing)
        {
            var links = (Link?[])_links.Clone();
            for (int number = 0; number < links.Length; number++)
            {
                var member = number == _directory.Self ? null : membership.Find(number);
                if (links[number] is { } open && (member is null || member.Url != open.Member.Url))
                {
                    _closing.Add(open.CloseAsync());
                    links[number] = null;
                }
                if (member is not null && links[number] is null && Uri.IsWellFormedUriString(member.Url, UriKind.Absolute)) // a member without a url (tools, tests) is not reached
                {
                    var channel = _connect(member);
                    var client = new PaxosService.PaxosServiceClient(channel);
                    links[number] = new Link(member, channel, client, _openOutbox(number, client));
                }
            }
            _links = links;
            _closing.RemoveAll(task => task.IsCompleted);
        }
    }

    /// <summary>The channel, client and outbox of one member.</summary>
    private sealed record Link(Member Member, GrpcChannel Channel, PaxosService.PaxosServiceClient Client, PeerOutbox Outbox)
    {
        public async Task CloseAsync()
        {
            await Outbox.DisposeAsync().ConfigureAwait(false);
            Channel.Dispose();
        }
    }
}
