using Paxos.Core.Replication;
using static Paxos.Core.Tests.Replication.ReplicaTestKit;

namespace Paxos.Core.Tests.Replication;

/// <summary>
/// Thrifty phase 2 (<c>ReplicaCore.Thrifty.cs</c>): a new slot goes at once only to as many
/// responsive followers as a quorum needs; the others get it with the next heartbeat.
/// </summary>
public sealed class ThriftyTests
{
    private const int Size = 5;

    [Fact]
    public void ANewSlotGoesAtOnceOnlyToTheFirstResponsiveFollowersAndToTheOthersWithTheHeartbeat()
    {
        ReplicaCore leader = LeaderOfFive(promisers: [1, 2, 3, 4]);

        leader.Propose(Bytes("x"));
        Ready proposal = Drain(leader);
        Assert.Equal([1, 2], MessagesOf<Accept>(proposal).Select(a => a.To).Order());

        Ready heartbeat = TickAndDrain(leader);
        Assert.Equal([2ul], SingleTo<Accept>(heartbeat, 3).Entries.Select(e => e.Slot));
        Assert.Equal([2ul], SingleTo<Accept>(heartbeat, 4).Entries.Select(e => e.Slot));
    }

    [Fact]
    public void AnEagerFollowerThatStopsReplyingIsReplacedByTheNextResponsiveOne()
    {
        ReplicaCore leader = LeaderOfFive(promisers: [1, 2, 3, 4]);
        for (int tick = 0; tick < 3; tick++)
        {
            foreach (Heartbeat beat in MessagesOf<Heartbeat>(TickAndDrain(leader)))
            {
                if (beat.To != 1)
                {
                    leader.Step(new HeartbeatReply(beat.To, 0, beat.Ballot, beat.Round, leader.CommitIndex, leader.CommitIndex));
                }
            }
        }

        leader.Propose(Bytes("x"));

        Assert.Equal([2, 3], MessagesOf<Accept>(Drain(leader)).Select(a => a.To).Order());
    }

    [Fact]
    public void WithTooFewResponsiveFollowersEveryFollowerIsSentEverySlotAtOnce()
    {
        ReplicaCore leader = LeaderOfFive(promisers: [1, 2]);
        for (int tick = 0; tick < 3; tick++)
        {
            TickAndDrain(leader);
        }

        leader.Propose(Bytes("x"));

        Assert.Equal([1, 2, 3, 4], MessagesOf<Accept>(Drain(leader)).Select(a => a.To).Order());
    }

    [Fact]
    public void ALazyFollowerAskingForAReadIndexIsSentWhatItLacksAtOnce()
    {
        ReplicaCore leader = LeaderOfFive(promisers: [1, 2, 3, 4]);
        leader.Propose(Bytes("x"));
        Drain(leader);

        leader.Step(new ReadIndexRequest(4, 0, 7));

        Assert.Equal([2ul], SingleTo<Accept>(Drain(leader), 4).Entries.Select(e => e.Slot));
    }

    [Fact]
    public void ALazySuccessorIsSentWhatItLacksAheadOfItsTakeOver()
    {
        ReplicaCore leader = LeaderOfFive(promisers: [1, 2, 3, 4]);
        leader.Propose(Bytes("x"));
        AcknowledgeAccepts(leader, Drain(leader));
        Drain(leader);

        Assert.True(leader.TransferLeadership(4));
        List<ReplicaMessage> toSuccessor = [.. Drain(leader).Messages.Where(m => m.To == 4)];

        Assert.Equal(2, toSuccessor.Count);
        Assert.Equal([2ul], Assert.IsType<Accept>(toSuccessor[0]).Entries.Select(e => e.Slot));
        Assert.IsType<TakeOver>(toSuccessor[1]);
    }

    [Fact]
    public void LazyFollowersAreSentEverySlotBeforeTheLogForgetsIt()
    {
        ReplicaCore leader = LeaderOfFive(promisers: [1, 2, 3, 4]);
        leader.Propose(Bytes("x"));
        AcknowledgeAccepts(leader, Drain(leader));
        Assert.Equal(2ul, Assert.Single(Drain(leader).CommittedEntries).Slot);

        leader.Compact(2);
        Ready ready = Drain(leader);

        Assert.Equal([2ul], SingleTo<Accept>(ready, 3).Entries.Select(e => e.Slot));
        Assert.Equal([2ul], SingleTo<Accept>(ready, 4).Entries.Select(e => e.Slot));
    }

    [Fact]
    public void AFollowerAsksForMissingSlotsOnTheHeartbeatNotInTheMiddleOfABatch()
    {
        ReplicaCore follower = NewCore(1, Size);
        var ballot = new Ballot(1, 0);

        // The first message of a lazy batch: the leader's commit index (3) is past its last slot (2).
        follower.Step(new Accept(0, 1, ballot, 3, [new LogEntry(1, ballot, Value("a")), new LogEntry(2, ballot, Value("b"))]));
        Ready accepted = Drain(follower);
        Assert.Empty(MessagesOf<CatchUpRequest>(accepted));
        Assert.Equal(2ul, follower.CommitIndex);

        follower.Step(new Heartbeat(0, 1, ballot, 3, 1));
        Assert.Equal(3ul, Assert.Single(MessagesOf<CatchUpRequest>(Drain(follower))).FromSlot);
    }

    [Fact]
    public void WithThriftOffEveryFollowerIsSentEverySlotAtOnce()
    {
        ReplicaCore leader = LeaderOfFive(promisers: [1, 2, 3, 4], thrifty: false);

        leader.Propose(Bytes("x"));

        Assert.Equal([1, 2, 3, 4], MessagesOf<Accept>(Drain(leader)).Select(a => a.To).Order());
    }

    /// <summary>Node 0 of five, elected with the promises of <paramref name="promisers"/>, its read barrier chosen.</summary>
    private static ReplicaCore LeaderOfFive(int[] promisers, bool thrifty = true)
    {
        var leader = new ReplicaCore(Options(0, Size) with { Thrifty = thrifty }, new FixedRandomSource(0), DurableState.Empty);
        StartElection(leader);
        foreach (int peer in promisers)
        {
            leader.Step(new Promise(peer, 0, leader.Promised, 0, []));
        }

        Assert.Equal(ReplicaRole.Leader, leader.Role);
        Ready first = Drain(leader);
        Assert.Equal([1, 2, 3, 4], MessagesOf<Accept>(first).Select(a => a.To).Order()); // a new leader's first slots go to everyone
        AcknowledgeAccepts(leader, first);
        Drain(leader);
        Assert.Equal(1ul, leader.CommitIndex);
        return leader;
    }
}
