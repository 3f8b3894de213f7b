using Paxos.Core.Replication;

namespace Paxos.Node.Replication;

/// <summary>
/// How a forwarded command's failure travels back: the leader turns the exception its proposal
/// failed with into a <see cref="ForwardStatus"/>, and the node that forwarded it turns that status
/// back into the same kind of exception for its caller. The two mappings are inverses; keep them so.
/// </summary>
internal static class ForwardOutcome
{
    /// <summary>On the leader: the status that reports <paramref name="error"/>.</summary>
    public static ForwardStatus StatusOf(Exception error) => error switch
    {
        NotLeaderException => ForwardStatus.NotLeader,
        NotChosenException => ForwardStatus.NotChosen,
        OverloadedException => ForwardStatus.Overloaded,
        CommandTooLargeException => ForwardStatus.TooLarge,
        _ => ForwardStatus.OutcomeUnknown,
    };

    /// <summary>On the forwarding node: the exception for a result other than <see cref="ForwardStatus.Applied"/>.</summary>
    public static Exception ErrorOf(ForwardResult answer) => answer.Status switch
    {
        ForwardStatus.NotLeader => new NotLeaderException(answer.LeaderHint),
        ForwardStatus.NotChosen => new NotChosenException(answer.Slot),
        ForwardStatus.Overloaded => new OverloadedException($"the leader, node {answer.From}, has too many commands waiting"),
        ForwardStatus.TooLarge => new CommandTooLargeException(),
        _ => new OutcomeUnknownException($"the leader, node {answer.From}, could not tell whether it applied the command"),
    };
}
