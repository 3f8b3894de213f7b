using Paxos.Core.Replication;
using static Paxos.Core.Tests.Replication.ReplicaTestKit;

namespace Paxos.Core.Tests.Replication;

public sealed class ReadIndexTests
{
    [Fact]
    public void FollowerRefusesReadsNamingTheLeader()
    {
        ReplicaCore follower = NewCore(1);
        follower.Step(new Heartbeat(0, 1, new Ballot(1, 0), 0, 1));

        Assert.Equal(new ReadIndexResult(ReadIndexStatus.NotLeader, 0), follower.ReadIndex(7));
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

        leader.Step(new HeartbeatReply(1, 0, leader.Promised, oldRound, 1));
        Assert.Empty(Drain(leader).ReadStates);

        leader.Step(new HeartbeatReply(2, 0, leader.Promised, probe.Round, 1));
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

        leader.Step(new HeartbeatReply(1, 0, leader.Promised, probe.Round, 1));

        Assert.Equal([new ReadState(1, 1), new ReadState(2, 1)], Drain(leader).ReadStates);
    }

    [Fact]
    public void NewLeaderServesReadsOnlyAfterItsOwnEntryIsChosen()
    {
        ReplicaCore leader = NewCore(0);
        Ready accepts = ElectLeader(leader);
        leader.ReadIndex(9);
        Heartbeat probe = SingleTo<Heartbeat>(Drain(leader), 1);

        leader.Step(new HeartbeatReply(1, 0, leader.Promised, probe.Round, 0));
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

        leader.Step(new HeartbeatReply(1, 0, new Ballot(1, 1), probe.Round, 1));

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
        Assert.Equal(new ReadState(1, 1), Assert.Single(Drain(leader).ReadStates));
    }
}
