using Paxos.Core.Replication;
using Paxos.Node.Replication;

namespace Paxos.Cluster.Tests;

/// <summary>
/// A forwarded command's outcome crosses the peer stream as a <see cref="ForwardResult"/> and comes
/// back as the same outcome: an unknown outcome that came back as "not chosen" would be retried
/// and could be applied twice; "not chosen" that came back as unknown would fail a write that may
/// simply be retried.
/// </summary>
public sealed class ForwardOutcomeTests
{
    private static readonly ForwardProposal Forward = new(From: 2, To: 0, Id: 77, Command: new byte[] { 1 });

    public static TheoryData<string> Kinds => ["done", "not leader", "not chosen", "unknown", "overloaded", "too large"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_outcome_of_a_forwarded_command_comes_back_as_itself(string kind)
    {
        var sent = kind switch
        {
            "done" => ReplicaOutcome<ReplicationResult>.Done(new ReplicationResult(9, 41, [7, 8])),
            "not leader" => ReplicaOutcome<ReplicationResult>.NotLeader(1),
            "not chosen" => ReplicaOutcome<ReplicationResult>.NotChosen(9),
            "unknown" => ReplicaOutcome<ReplicationResult>.Unknown("a snapshot covered slot 9"),
            "overloaded" => ReplicaOutcome<ReplicationResult>.Overloaded("65536 commands are already waiting"),
            _ => ReplicaOutcome<ReplicationResult>.TooLarge(),
        };

        var answer = ForwardOutcome.AnswerTo(Forward, sent);
        var received = ForwardOutcome.OutcomeOf(answer);

        Assert.Equal((0, 2, 77ul), (answer.From, answer.To, answer.Id));
        Assert.Equal(sent.Kind, received.Kind);
        Assert.Equal(sent.Kind == ReplicaOutcomeKind.NotLeader ? 1 : -1, received.LeaderHint);
        Assert.Equal(sent.Kind == ReplicaOutcomeKind.NotChosen ? 9ul : 0, received.Slot);
        if (sent.IsDone)
        {
            Assert.Equal((9ul, 41ul), (received.Value.Slot, received.Value.Index));
            Assert.Equal([7, 8], received.Value.Result);
        }
    }
}
