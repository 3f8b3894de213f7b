using Paxos.Core;
using Paxos.Core.Replication;

namespace Paxos.Node.Replication;

/// <summary>
/// A command waiting for the log: it ends once, with an outcome or (the node stops) an error; later
/// endings are ignored. Byte-identical retries of an identified command may join it
/// (<see cref="TryJoin"/>) and end with it, with the same outcome.
/// </summary>
internal abstract class PendingProposal(ReadOnlyMemory<byte> command)
{
    /// <summary>The most retries that join one command; a retry beyond them is proposed on its own.</summary>
    public const int MaxJoined = 64;

    private List<PendingProposal>? _joined;

    public ReadOnlyMemory<byte> Command { get; } = command;

    /// <summary>Nobody waits any longer: its own caller is answered (or gave up), and every retry that joined it too.</summary>
    public bool IsDone => IsOwnDone && (_joined is null || _joined.TrueForAll(retry => retry.IsDone));

    /// <summary>Called once it ends (see <see cref="ReplicaNode"/>'s table of identified commands).</summary>
    public Action<PendingProposal>? Ended { get; set; }

    protected abstract bool IsOwnDone { get; }

    /// <summary>Lets <paramref name="retry"/>, a byte-identical copy, end with this command; false once <see cref="MaxJoined"/> have.</summary>
    public bool TryJoin(PendingProposal retry)
    {
        Invariant.Check(retry.Command.Span.SequenceEqual(Command.Span), "only a byte-identical retry joins a waiting command");
        if (_joined?.Count >= MaxJoined)
        {
            return false;
        }
        (_joined ??= []).Add(retry);
        return true;
    }

    public void Answer(ReplicaOutcome<ReplicationResult> outcome)
    {
        AnswerOwn(outcome);
        if (_joined is { } joined)
        {
            foreach (PendingProposal retry in joined)
            {
                retry.Answer(outcome);
            }
        }
        Ended?.Invoke(this);
    }

    public void Fail(Exception error)
    {
        FailOwn(error);
        if (_joined is { } joined)
        {
            foreach (PendingProposal retry in joined)
            {
                retry.Fail(error);
            }
        }
        Ended?.Invoke(this);
    }

    protected abstract void AnswerOwn(ReplicaOutcome<ReplicationResult> outcome);

    protected abstract void FailOwn(Exception error);
}

/// <summary>A command of a caller on this node, who hears of it through <paramref name="reply"/>.</summary>
internal sealed class LocalProposal(ReadOnlyMemory<byte> command, IReplicaReply<ReplicaOutcome<ReplicationResult>> reply) : PendingProposal(command)
{
    protected override bool IsOwnDone => reply.IsDone;

    protected override void AnswerOwn(ReplicaOutcome<ReplicationResult> outcome) => reply.Answer(outcome);

    protected override void FailOwn(Exception error) => reply.Fail(error);
}

/// <summary>On the leader, a command a peer forwarded: its ending is sent back to the peer as a <see cref="ForwardResult"/>.</summary>
internal sealed class ForwardedCommand(ForwardProposal forward, IReplicaPeers peers) : PendingProposal(forward.Command)
{
    private bool _done;

    /// <summary>The node the command came in through.</summary>
    public int Origin => forward.From;

    protected override bool IsOwnDone => _done;

    protected override void AnswerOwn(ReplicaOutcome<ReplicationResult> outcome)
    {
        if (_done)
        {
            return;
        }
        _done = true;
        peers.Send(ForwardOutcome.AnswerTo(forward, outcome));
    }

    /// <summary>This node stops: the peer hears that the outcome is unknown.</summary>
    protected override void FailOwn(Exception error) => AnswerOwn(ReplicaOutcome<ReplicationResult>.Unknown(error.Message));
}
