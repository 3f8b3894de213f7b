using Paxos.Core.Replication;

namespace Paxos.Node.Replication;

/// <summary>
/// How a forwarded command's outcome travels back: the leader turns the outcome of its proposal into
/// a <see cref="ForwardResult"/>, and the node that forwarded it turns that back into the same kind
/// of outcome for its caller. The two mappings are inverses; keep them so.
/// </summary>
internal static class ForwardOutcome
{
    /// <summary>On the leader: the answer to <paramref name="forward"/> that reports <paramref name="outcome"/>.</summary>
    public static ForwardResult AnswerTo(ForwardProposal forward, ReplicaOutcome<ReplicationResult> outcome)
    {
        var (status, slot) = outcome.Kind switch
        {
            ReplicaOutcomeKind.Done => (ForwardStatus.Applied, outcome.Value.Slot),
            ReplicaOutcomeKind.NotLeader => (ForwardStatus.NotLeader, 0UL),
            ReplicaOutcomeKind.NotChosen => (ForwardStatus.NotChosen, outcome.Slot),
            ReplicaOutcomeKind.Overloaded => (ForwardStatus.Overloaded, 0UL),
            ReplicaOutcomeKind.TooLarge => (ForwardStatus.TooLarge, 0UL),
            _ => (ForwardStatus.OutcomeUnknown, 0UL),
        };
        return new ForwardResult(forward.To, forward.From, forward.Id, status, slot,
            outcome.IsDone ? outcome.Value.Index : 0, outcome.IsDone ? outcome.Value.Result : default(ReadOnlyMemory<byte>),
            outcome.Kind == ReplicaOutcomeKind.NotLeader ? outcome.LeaderHint : -1);
    }

    /// <summary>On the forwarding node: the outcome <paramref name="answer"/> reports.</summary>
    public static ReplicaOutcome<ReplicationResult> OutcomeOf(ForwardResult answer) => answer.Status switch
    {
        ForwardStatus.Applied => ReplicaOutcome<ReplicationResult>.Done(new ReplicationResult(answer.Slot, answer.CommandIndex, answer.Result.ToArray())),
        ForwardStatus.NotLeader => ReplicaOutcome<ReplicationResult>.NotLeader(answer.LeaderHint),
        ForwardStatus.NotChosen => ReplicaOutcome<ReplicationResult>.NotChosen(answer.Slot),
        ForwardStatus.Overloaded => ReplicaOutcome<ReplicationResult>.Overloaded($"the leader, node {answer.From}, has too many commands waiting"),
        ForwardStatus.TooLarge => ReplicaOutcome<ReplicationResult>.TooLarge(),
        _ => ReplicaOutcome<ReplicationResult>.Unknown($"the leader, node {answer.From}, could not tell whether it applied the command"),
    };
}
