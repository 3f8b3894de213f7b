using Paxos.Core.Replication;

namespace Paxos.Node.Replication;

/// <summary>
/// The peers of a running node: one <see cref="PeerOutbox"/> per peer (indexed by node number, null
/// for this node) and the <see cref="SnapshotSender"/>. Disposing stops snapshot transfers and the outboxes.
/// </summary>
public sealed class PeerLinks(IReadOnlyList<PeerOutbox?> outboxes, SnapshotSender snapshotSender) : IReplicaPeers, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();

    /// <inheritdoc/>
    public void Send(ReplicaMessage message) => outboxes[message.To]?.Post(message);

    /// <inheritdoc/>
    public bool IsDown(int peer) => outboxes[peer] is not { PeerDown: false };

    /// <inheritdoc/>
    public void SendSnapshot(int peer, ulong index) => snapshotSender.Send(peer, index, _stop.Token);

    /// <inheritdoc/>
    /// <remarks>The links are the cluster file's, made at start; links that follow the membership are the host's part of issue 18.</remarks>
    public void UpdateMembership(Membership applied) => ArgumentNullException.ThrowIfNull(applied);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var outbox in outboxes)
        {
            if (outbox is not null)
            {
                await outbox.DisposeAsync().ConfigureAwait(false);
            }
        }
        _stop.Dispose();
    }
}
