using Paxos.Core.Replication;

namespace Paxos.Node.Replication;

/// <summary>A command waiting for the log: it ends once, with an outcome or (the node stops) an error; later endings are ignored.</summary>
internal abstract class PendingProposal(ReadOnlyMemory<byte> command)
{
    public ReadOnlyMemory<byte> Command { get; } = command;

    public abstract bool IsDone { get; }

    public abstract void Answer(ReplicaOutcome<ReplicationResult> outcome);

    public abstract void Fail(Exception error);
}

/// <summary>A command of a caller on this node, who hears of it through <paramref name="reply"/>.</summary>
internal sealed class LocalProposal(ReadOnlyMemory<byte> command, IReplicaReply<ReplicaOutcome<ReplicationResult>> reply) : PendingProposal(command)
{
    public override bool IsDone => reply.IsDone;

    public override void Answer(ReplicaOutcome<ReplicationResult> outcome) => reply.Answer(outcome);

    public override void Fail(Exception error) => reply.Fail(error);
}

/// <summary>On the leader, a command a peer forwarded: its ending is sent back to the peer as a <see cref="ForwardResult"/>.</summary>
internal sealed class ForwardedCommand(ForwardProposal forward, IReplicaPeers peers) : PendingProposal(forward.Command)
{
    private bool _done;

    /// <summary>The node the command came in through.</summary>
    public int Origin => forward.From;

    public override bool IsDone => _done;

    public override void Answer(ReplicaOutcome<ReplicationResult> outcome)
    {
        if (_done)
        {
            return;
        }
        _done = true;
        peers.Send(ForwardOutcome.AnswerTo(forward, outcome));
    }

    /// <summary>This node stops: the peer hears that the outcome is unknown.</summary>
    public override void Fail(Exception error) => Answer(ReplicaOutcome<ReplicationResult>.Unknown(error.Message));
}
