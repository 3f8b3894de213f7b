using Paxos.Core.Replication;
using static Paxos.Core.Tests.Replication.ReplicaTestKit;

namespace Paxos.Core.Tests.Replication;

public sealed class ReadIndexTests
{
    [Fact]
    public void NodeThatKnowsNoLeaderRefusesReads()
    {
        ReplicaCore follower = NewCore(1);

        Assert.Equal(new ReadIndexResult(ReadIndexStatus.NotLeader, -1), follower.ReadIndex(7));
    }

    [Fact]
    public void FollowerAsksItsLeaderOnceForEachBatchOfReads()
    {
        ReplicaCore follower = NewCore(1);
        var leaderBallot = new Ballot(1, 0);
        follower.Step(new Heartbeat(0, 1, leaderBallot, 0, 1));
        Drain(follower);

        Assert.Equal(new ReadIndexResult(ReadIndexStatus.Accepted, 0), follower.ReadIndex(7));
        Assert.Equal(ReadIndexStatus.Accepted, follower.ReadIndex(8).Status);
        ReadIndexRequest request = SingleTo<ReadIndexRequest>(Drain(follower), 0);
        follower.ReadIndex(9);
        ReadIndexRequest next = SingleTo<ReadIndexRequest>(Drain(follower), 0);
        Assert.NotEqual(request.Token, next.Token);

        follower.Step(new ReadIndexReply(0, 1, leaderBallot, request.Token, 0));
        Assert.Equal([new ReadState(7, 0), new ReadState(8, 0)], Drain(follower).ReadStates);
        follower.Step(new ReadIndexReply(0, 1, leaderBallot, next.Token, 0));
        Assert.Equal(new ReadState(9, 0), Assert.Single(Drain(follower).ReadStates));
    }

    [Fact]
    public void FollowerTakesAReadIndexOnlyFromTheLeaderItAskedInTheBallotItKnew()
    {
        ReplicaCore follower = NewCore(1);
        var leaderBallot = new Ballot(2, 0);
        follower.Step(new Heartbeat(0, 1, leaderBallot, 0, 1));
        Drain(follower);
        follower.ReadIndex(7);
        ReadIndexRequest request = SingleTo<ReadIndexRequest>(Drain(follower), 0);

        // Same token, but from a node it did not ask, or in a ballot older than its leader's: an
        // answer to another request (say, of an earlier run of this node).
        follower.Step(new ReadIndexReply(2, 1, new Ballot(3, 2), request.Token, 0));
        follower.Step(new ReadIndexReply(0, 1, new Ballot(1, 0), request.Token, 0));
        Assert.Empty(Drain(follower).ReadStates);

        follower.Step(new ReadIndexReply(0, 1, leaderBallot, request.Token, 0));
        Assert.Equal(new ReadState(7, 0), Assert.Single(Drain(follower).ReadStates));
    }

    [Fact]
    public void LeaderAnswersAFollowersBatchOnlyAfterAQuorumConfirmsARoundStartedAfterIt()
    {
        ReplicaCore leader = EstablishedLeader();
        leader.Tick();
        ulong oldRound = MessagesOf<Heartbeat>(Drain(leader))[0].Round;

        leader.Step(new ReadIndexRequest(1, 0, 42));
        Ready ready = Drain(leader);
        Heartbeat probe = SingleTo<Heartbeat>(ready, 2);
        Assert.True(probe.Round > oldRound);
        Assert.Empty(MessagesOf<ReadIndexReply>(ready));

        leader.Step(new HeartbeatReply(2, 0, leader.Promised, oldRound, 1, 1));
        Assert.Empty(MessagesOf<ReadIndexReply>(Drain(leader)));

        leader.Step(new HeartbeatReply(2, 0, leader.Promised, probe.Round, 1, 1));
        ready = Drain(leader);
        Assert.Equal(new ReadIndexReply(0, 1, leader.Promised, 42, 1), SingleTo<ReadIndexReply>(ready, 1));
        Assert.Empty(ready.ReadStates);
    }

    [Fact]
    public void ReadIndexReplyTellsTheFollowerWhichAcceptedSlotsAreChosen()
    {
        ReplicaCore follower = NewCore(1);
        var leaderBallot = new Ballot(1, 0);
        follower.Step(new Accept(0, 1, leaderBallot, 0, [new LogEntry(1, leaderBallot, Value("a"))]));
        follower.ReadIndex(5);
        ReadIndexRequest request = SingleTo<ReadIndexRequest>(Drain(follower), 0);
        Assert.Equal(0ul, follower.CommitIndex);

        follower.Step(new ReadIndexReply(0, 1, leaderBallot, request.Token, 1));

        Ready ready = Drain(follower);
        Assert.Equal(1ul, follower.CommitIndex);
        Assert.Single(ready.CommittedEntries);
        Assert.Equal(new ReadState(5, 1), Assert.Single(ready.ReadStates));
    }

    [Fact]
    public void FollowerFailsItsReadsWhenItsLeaderChanges()
    {
        ReplicaCore follower = NewCore(1);
        follower.Step(new Heartbeat(0, 1, new Ballot(1, 0), 0, 1));
        follower.ReadIndex(7);
        ReadIndexRequest request = SingleTo<ReadIndexRequest>(Drain(follower), 0);

        follower.Step(new Heartbeat(2, 1, new Ballot(2, 2), 0, 1));
        Assert.Equal([7ul], Drain(follower).FailedReads);

        follower.Step(new ReadIndexReply(0, 1, new Ballot(1, 0), request.Token, 0));
        Assert.Empty(Drain(follower).ReadStates);
    }

    [Fact]
    public void FollowerFailsReadsItsLeaderDoesNotAnswerWithinTwoElectionTimeouts()
    {
        ReplicaCore follower = NewCore(1);
        var leaderBallot = new Ballot(1, 0);
        follower.Step(new Heartbeat(0, 1, leaderBallot, 0, 1));
        follower.ReadIndex(7);
        Drain(follower);

        var failed = new List<ulong>();
        for (int tick = 1; tick <= 2 * ElectionTicks; tick++)
        {
            follower.Tick();
            follower.Step(new Heartbeat(0, 1, leaderBallot, 0, (ulong)tick + 1));
            failed.AddRange(Drain(follower).FailedReads);
            Assert.Equal(tick < 2 * ElectionTicks ? [] : [7ul], failed);
        }

        Assert.Equal(ReplicaRole.Follower, follower.Role);
    }

    [Fact]
    public void LeaderThatStepsDownFailsItsWaitingReads()
    {
        ReplicaCore leader = EstablishedLeader();
        leader.ReadIndex(3);
        leader.Step(new ReadIndexRequest(1, 0, 42));
        Drain(leader);

        leader.Step(new Prepare(2, 0, new Ballot(9, 2), 2));

        Ready ready = Drain(leader);
        Assert.Equal([3ul], ready.FailedReads);
        Assert.Empty(MessagesOf<ReadIndexReply>(ready));
    }

    [Fact]
    public void ReadWaitsForAQuorumToAnswerAHeartbeatRoundStartedAfterIt()
    {
        ReplicaCore leader = EstablishedLeader();
        leader.Tick();
        ulong oldRound = MessagesOf<Heartbeat>(Drain(leader))[0].Round;

        Assert.Equal(ReadIndexStatus.Accepted, leader.ReadIndex(7).Status);
        Ready ready = Drain(leader);
        Heartbeat probe = SingleTo<Heartbeat>(ready, 1);
        Assert.True(probe.Round > oldRound);
        Assert.Empty(ready.ReadStates);

        leader.Step(new HeartbeatReply(1, 0, leader.Promised, oldRound, 1, 1));
        Assert.Empty(Drain(leader).ReadStates);

        leader.Step(new HeartbeatReply(2, 0, leader.Promised, probe.Round, 1, 1));
        Assert.Equal(new ReadState(7, 1), Assert.Single(Drain(leader).ReadStates));
    }

    [Fact]
    public void ReadsRequestedBeforeTheNextReadyShareOneRound()
    {
        ReplicaCore leader = EstablishedLeader();
        leader.ReadIndex(1);
        leader.ReadIndex(2);
        Ready ready = Drain(leader);
        Heartbeat probe = SingleTo<Heartbeat>(ready, 1);

        leader.Step(new HeartbeatReply(1, 0, leader.Promised, probe.Round, 1, 1));

        Assert.Equal([new ReadState(1, 1), new ReadState(2, 1)], Drain(leader).ReadStates);
    }

    [Fact]
    public void NewLeaderServesReadsOnlyAfterItsOwnEntryIsChosen()
    {
        ReplicaCore leader = NewCore(0);
        Ready accepts = ElectLeader(leader);
        leader.ReadIndex(9);
        Heartbeat probe = SingleTo<Heartbeat>(Drain(leader), 1);

        leader.Step(new HeartbeatReply(1, 0, leader.Promised, probe.Round, 0, 0));
        Assert.Empty(Drain(leader).ReadStates);

        AcknowledgeAccepts(leader, accepts);
        Assert.Equal(new ReadState(9, 1), Assert.Single(Drain(leader).ReadStates));
    }

    [Fact]
    public void RepliesInAnotherBallotDoNotConfirmReads()
    {
        ReplicaCore leader = EstablishedLeader();
        leader.ReadIndex(3);
        Heartbeat probe = SingleTo<Heartbeat>(Drain(leader), 1);

        leader.Step(new HeartbeatReply(1, 0, new Ballot(1, 1), probe.Round, 1, 1));

        Assert.Empty(Drain(leader).ReadStates);
    }

    [Fact]
    public void ReadsBeyondTheLimitAreRefused()
    {
        var leader = new ReplicaCore(Options(0) with { MaxPendingReads = 1 }, new FixedRandomSource(0), DurableState.Empty);
        AcknowledgeAccepts(leader, ElectLeader(leader));
        Drain(leader);

        Assert.Equal(ReadIndexStatus.Accepted, leader.ReadIndex(1).Status);
        Assert.Equal(new ReadIndexResult(ReadIndexStatus.Busy, 0), leader.ReadIndex(2));
    }

    [Fact]
    public void SingleNodeLeaderConfirmsReadsAtOnce()
    {
        var leader = new ReplicaCore(Options(0, size: 1), new FixedRandomSource(0), DurableState.Empty);
        for (int i = 0; i < ElectionTicks; i++)
        {
            leader.Tick();
        }

        Assert.Equal(ReadIndexStatus.Accepted, leader.ReadIndex(1).Status);
        Assert.Empty(Drain(leader).ReadStates); // the read barrier is chosen once the leader's acceptance of it is on disk
        Assert.Equal(new ReadState(1, 1), Assert.Single(Drain(leader).ReadStates));
    }
}
