using Paxos.Core;
using Paxos.Core.Replication;
using static Paxos.Core.Tests.Replication.ReplicaTestKit;

namespace Paxos.Core.Tests;

public class BallotBoundTests
{
    private static readonly Ballot Promised = new(5, 1);
    private static readonly Ballot Farthest = new(5 + BallotBound.MaxRoundsAhead, 2);
    private static readonly Ballot Beyond = new(5 + BallotBound.MaxRoundsAhead + 1, 0);

    [Fact]
    public void A_ballot_up_to_the_bound_above_the_promise_is_within_reach_and_one_round_more_is_not()
    {
        Assert.False(BallotBound.IsTooFarAbove(Farthest, Promised));
        Assert.True(BallotBound.IsTooFarAbove(Beyond, Promised));
        Assert.True(BallotBound.IsTooFarAbove(new Ballot(long.MaxValue, 1), Ballot.Zero));
        Assert.False(BallotBound.IsTooFarAbove(new Ballot(1, 0), new Ballot(ulong.MaxValue, 1))); // below the promise: no overflow
    }

    [Fact]
    public void Every_ballot_a_message_carries_is_checked_down_to_its_entries_origins()
    {
        var within = ValueFrom(Farthest, "a");
        var beyond = ValueFrom(Beyond, "a");
        ReplicaMessage[] tooFar =
        [
            new Prepare(1, 0, Beyond, 1),
            new Promise(1, 0, Promised, 0, [new LogEntry(1, Promised, within), new LogEntry(2, Beyond, within)]),
            new Nack(1, 0, Promised, Beyond),
            new Accept(1, 0, Farthest, 0, [new LogEntry(1, Farthest, within), new LogEntry(2, Farthest, beyond)]),
            new AcceptReply(1, 0, Beyond, [1], 0),
            new Heartbeat(1, 0, Beyond, 0, 1),
            new HeartbeatReply(1, 0, Beyond, 1, 0, 0),
            new CatchUp(1, 0, 1, [new LogEntry(1, Promised, beyond)]),
            new ReadIndexReply(1, 0, Beyond, 1, 0),
            new TakeOver(1, 0, Beyond, 0),
            new PreVote(1, 0, Beyond),
            new PreVoteReply(1, 0, Promised, true, Beyond),
        ];
        foreach (var message in tooFar)
        {
            Assert.True(BallotBound.TryFindTooFarAhead(message, Promised, out var found), $"{message}");
            Assert.Equal(Beyond, found);
        }

        ReplicaMessage[] withinReach =
        [
            new Accept(1, 0, Farthest, 0, [new LogEntry(1, Farthest, within)]),
            new PreVoteReply(1, 0, Farthest, true, Farthest),
            new CatchUpRequest(1, 0, 1),
        ];
        foreach (var message in withinReach)
        {
            Assert.False(BallotBound.TryFindTooFarAhead(message, Promised, out _), $"{message}");
        }
    }

    [Fact]
    public void Checking_a_message_allocates_nothing()
    {
        var value = ValueFrom(Farthest, "a");
        var accept = new Accept(1, 0, Farthest, 0, [.. Enumerable.Range(1, 256).Select(slot => new LogEntry((ulong)slot, Farthest, value))]);
        Assert.False(BallotBound.TryFindTooFarAhead(accept, Promised, out _)); // compiled before measuring

        long before = GC.GetAllocatedBytesForCurrentThread();
        bool found = BallotBound.TryFindTooFarAhead(accept, Promised, out _);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(found);
        Assert.Equal(0, allocated);
    }
}
