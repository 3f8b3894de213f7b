using Paxos.Core.Replication;

namespace Paxos.Node.Replication;

/// <summary>A command waiting for the log: it ends once, with a result or an error; later endings are ignored.</summary>
internal abstract class PendingProposal(ReadOnlyMemory<byte> command)
{
    public ReadOnlyMemory<byte> Command { get; } = command;

    public abstract bool IsDone { get; }

    public abstract void Succeed(ReplicationResult result);

    public abstract void Fail(Exception error);
}

/// <summary>A command of a caller on this node, who hears of it through <paramref name="reply"/>.</summary>
internal sealed class LocalProposal(ReadOnlyMemory<byte> command, IReplicaReply<ReplicationResult> reply) : PendingProposal(command)
{
    public override bool IsDone => reply.IsDone;

    public override void Succeed(ReplicationResult result) => reply.Succeed(result);

    public override void Fail(Exception error) => reply.Fail(error);
}

/// <summary>On the leader, a command a peer forwarded: its ending is sent back to the peer as a <see cref="ForwardResult"/>.</summary>
internal sealed class ForwardedCommand(ForwardProposal forward, IReplicaPeers peers) : PendingProposal(forward.Command)
{
    private bool _done;

    /// <summary>The node the command came in through.</summary>
    public int Origin => forward.From;

    public override bool IsDone => _done;

    public override void Succeed(ReplicationResult result) =>
        Answer(ForwardStatus.Applied, result.Slot, result.Index, result.Result, -1);

    public override void Fail(Exception error) =>
        Answer(ForwardOutcome.StatusOf(error), (error as NotChosenException)?.Slot ?? 0, 0, default, (error as NotLeaderException)?.LeaderHint ?? -1);

    private void Answer(ForwardStatus status, ulong slot, ulong commandIndex, ReadOnlyMemory<byte> result, int leaderHint)
    {
        if (_done)
        {
            return;
        }
        _done = true;
        peers.Send(new ForwardResult(forward.To, forward.From, forward.Id, status, slot, commandIndex, result, leaderHint));
    }
}
