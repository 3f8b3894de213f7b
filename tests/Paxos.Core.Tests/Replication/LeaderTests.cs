using Paxos.Core.Replication;
using static Paxos.Core.Tests.Replication.ReplicaTestKit;

namespace Paxos.Core.Tests.Replication;

public sealed class LeaderTests
{
    [Fact]
    public void NothingOfALeadershipOutlivesItsStepDown()
    {
        ReplicaCore leader = EstablishedLeader();
        Assert.Equal(ProposeStatus.Accepted, leader.Propose(Bytes("open")).Status);
        Assert.Equal(ReadIndexStatus.Accepted, leader.ReadIndex(7).Status);
        Assert.True(leader.TransferLeadership(1));

        leader.Step(new Prepare(2, 0, new Ballot(9, 2), 2));
        Ready stepDown = Drain(leader);
        Assert.Equal(ReplicaRole.Follower, leader.Role);
        Assert.Empty(stepDown.Entries); // the open batch is dropped, never proposed
        Assert.Equal([7ul], stepDown.FailedReads);
        Assert.Equal(-1, leader.TransferTarget);
        Assert.Equal(ProposeStatus.NotLeader, leader.Propose(Bytes("late")).Status);

        AcknowledgeAccepts(leader, ElectLeader(leader));
        Drain(leader);
        Assert.Equal(2ul, leader.CommitIndex); // the new leadership's read barrier took slot 2
        Assert.Equal(-1, leader.TransferTarget);
        Assert.Equal(3ul, leader.Propose(Bytes("new")).Slot);
        Assert.Equal(ReadIndexStatus.Accepted, leader.ReadIndex(8).Status);
        Heartbeat beat = SingleTo<Heartbeat>(Drain(leader), 1);
        leader.Step(new HeartbeatReply(1, 0, beat.Ballot, beat.Round, 0, 0));
        Assert.Equal([8ul], Drain(leader).ReadStates.Select(read => read.RequestId));
    }

    [Fact]
    public void SlotIsChosenWhenAQuorumAcceptedItInTheLeadersBallot()
    {
        ReplicaCore leader = EstablishedLeader();
        leader.Propose(Bytes("x"));
        Ready proposal = Drain(leader);
        Assert.Equal(1ul, leader.CommitIndex);

        Accept accept = SingleTo<Accept>(proposal, 1);
        leader.Step(new AcceptReply(1, 0, accept.Ballot, [2], 0));

        Assert.Equal(2ul, leader.CommitIndex);
        LogEntry applied = Assert.Single(Drain(leader).CommittedEntries);
        Assert.True(applied.Value.SameCommands(Value("x")));
    }

    [Fact]
    public void OnlyAcceptancesAndPromisesNeedAnFsyncNotTheCommitIndex()
    {
        ReplicaCore leader = EstablishedLeader();
        leader.Propose(Bytes("x"));
        Ready proposal = Drain(leader);
        Assert.True(proposal.MustSync);
        Assert.NotEmpty(proposal.Entries);

        AcknowledgeAccepts(leader, proposal);
        Ready commit = Drain(leader);
        Assert.Equal(2ul, commit.HardState!.Value.CommitIndex);
        Assert.Empty(commit.Entries);
        Assert.False(commit.MustSync);

        leader.Step(new Prepare(1, 0, new Ballot(9, 1), 3));
        Ready promise = Drain(leader);
        Assert.Equal(new Ballot(9, 1), promise.HardState!.Value.Promised);
        Assert.True(promise.MustSync);
    }

    [Fact]
    public void AcknowledgementsInAnotherBallotDoNotCount()
    {
        ReplicaCore leader = EstablishedLeader();
        leader.Propose(Bytes("x"));
        Drain(leader);

        leader.Step(new AcceptReply(1, 0, new Ballot(1, 1), [2], 0));

        Assert.Equal(1ul, leader.CommitIndex);
    }

    [Fact]
    public void CommandsAreBatchedIntoSlotsAndSlotsIntoOneAccept()
    {
        ReplicaCore leader = EstablishedLeader();

        Ballot origin = leader.Promised;
        Assert.Equal(new ProposeResult(ProposeStatus.Accepted, 2, 0, 0) { Origin = origin }, leader.Propose(Bytes("a")));
        Assert.Equal(new ProposeResult(ProposeStatus.Accepted, 2, 1, 0) { Origin = origin }, leader.Propose(Bytes("b")));
        Assert.Equal(new ProposeResult(ProposeStatus.Accepted, 3, 0, 0) { Origin = origin }, leader.Propose(Bytes("c")));
        Ready ready = Drain(leader);

        Accept accept = SingleTo<Accept>(ready, 1);
        Assert.Equal([2ul, 3ul], accept.Entries.Select(e => e.Slot));
        Assert.True(accept.Entries[0].Value.ContentEquals(ValueFrom(origin, "a", "b")));
        Assert.True(accept.Entries[1].Value.ContentEquals(ValueFrom(origin, "c")));
        Assert.Equal(1ul, accept.CommitIndex);
        Assert.Equal(2, ready.Entries.Count);
    }

    [Fact]
    public void BatchIsClosedWhenItsBytesWouldExceedTheLimit()
    {
        ReplicaCore leader = EstablishedLeader();

        Assert.Equal(2ul, leader.Propose(new byte[40]).Slot);
        Assert.Equal(3ul, leader.Propose(new byte[40]).Slot);
        Assert.Equal(ProposeStatus.TooLarge, leader.Propose(new byte[65]).Status);
    }

    [Fact]
    public void FullWindowGivesBackpressureUntilSlotsAreChosen()
    {
        ReplicaCore leader = EstablishedLeader(window: 2);
        leader.Propose(Bytes("a"));
        leader.Propose(Bytes("b"));
        leader.Propose(Bytes("c"));
        leader.Propose(Bytes("d"));

        Assert.Equal(new ProposeResult(ProposeStatus.Busy, 0, 0, 0), leader.Propose(Bytes("e")));

        AcknowledgeAccepts(leader, Drain(leader));
        Assert.Equal(3ul, leader.CommitIndex);
        Assert.Equal(ProposeStatus.Accepted, leader.Propose(Bytes("e")).Status);
    }

    [Fact]
    public void AFullPipelineHoldsNewCommandsBackAndTheyShareTheSlotThatOpensNext()
    {
        ReplicaCore leader = EstablishedLeader(Options(0) with { PipelineDepth = 2 }); // a window of 8
        Assert.Equal(2ul, leader.Propose(Bytes("a")).Slot);
        Ready first = Drain(leader);
        Assert.Equal(3ul, leader.Propose(Bytes("b")).Slot);
        Ready second = Drain(leader);

        Assert.Equal(new ProposeResult(ProposeStatus.Busy, 0, 0, 0), leader.Propose(Bytes("c"))); // 2 in flight, 6 free in the window

        AcknowledgeAccepts(leader, first);
        Assert.Equal(2ul, leader.CommitIndex);
        Assert.Equal(4ul, leader.Propose(Bytes("c")).Slot);
        Assert.Equal(4ul, leader.Propose(Bytes("d")).Slot); // held back together, proposed together
        Assert.Equal(ProposeStatus.Busy, leader.Propose(Bytes("e")).Status); // the batch is full and 2 slots are in flight again

        AcknowledgeAccepts(leader, second);
        AcknowledgeAccepts(leader, Drain(leader));
        Assert.Equal(4ul, leader.CommitIndex);
        Assert.Equal(5ul, leader.Propose(Bytes("e")).Slot);
    }

    [Fact]
    public void TheWindowInBytesHoldsNewSlotsUntilTheOnesInFlightAreChosenButNeverTheFirst()
    {
        ReplicaCore leader = EstablishedLeader(Options(0) with { MaxInflightBytes = 100, MaxBatchBytes = 60, MaxCommandBytes = 200 });

        Assert.Equal(2ul, leader.Propose(new byte[60]).Slot);
        Assert.Equal(ProposeStatus.Busy, leader.Propose(new byte[41]).Status); // 60 + 41 in flight would pass 100
        Assert.Equal(3ul, leader.Propose(new byte[40]).Slot);
        Assert.Equal(3ul, leader.Propose(new byte[1]).Slot); // the open batch still has room
        Assert.Equal(ProposeStatus.Busy, leader.Propose(new byte[20]).Status); // a new slot would pass 100

        AcknowledgeAccepts(leader, Drain(leader));
        Assert.Equal(3ul, leader.CommitIndex);
        Assert.Equal(4ul, leader.Propose(new byte[200]).Slot); // nothing in flight: the largest command goes alone
        Assert.Equal(ProposeStatus.Busy, leader.Propose(new byte[1]).Status);
    }

    [Fact]
    public void FollowerRejectsProposalsNamingTheLeader()
    {
        ReplicaCore follower = NewCore(1);
        Assert.Equal(new ProposeResult(ProposeStatus.NotLeader, 0, 0, -1), follower.Propose(Bytes("x")));

        follower.Step(new Heartbeat(2, 1, new Ballot(1, 2), 0, 1));

        Assert.Equal(new ProposeResult(ProposeStatus.NotLeader, 0, 0, 2), follower.Propose(Bytes("x")));
    }

    [Fact]
    public void UnacknowledgedAcceptsAreRetransmittedOnHeartbeat()
    {
        ReplicaCore leader = EstablishedLeader(); // node 1 is its eager follower, node 2 a lazy one
        leader.Propose(Bytes("x"));
        Ready first = Drain(leader);
        leader.Step(new AcceptReply(1, 0, SingleTo<Accept>(first, 1).Ballot, [2], 0));

        Ready ready = TickAndDrain(leader);

        Assert.Equal(2, MessagesOf<Heartbeat>(ready).Count);
        Assert.Equal([2ul], SingleTo<Accept>(ready, 2).Entries.Select(e => e.Slot)); // the lazy follower's batch
        Assert.DoesNotContain(MessagesOf<Accept>(ready), a => a.To == 1); // acknowledged: not sent again

        leader.Propose(Bytes("y"));
        Drain(leader);
        TickAndDrain(leader);
        Ready retransmission = TickAndDrain(leader);
        Assert.Equal([3ul], SingleTo<Accept>(retransmission, 1).Entries.Select(e => e.Slot));
        Assert.Equal([3ul], SingleTo<Accept>(retransmission, 2).Entries.Select(e => e.Slot));
    }

    [Fact]
    public void LeaderSendsHeartbeatsEveryHeartbeatInterval()
    {
        ReplicaCore leader = EstablishedLeader();

        leader.Tick();
        List<Heartbeat> heartbeats = MessagesOf<Heartbeat>(Drain(leader));

        Assert.Equal(2, heartbeats.Count);
        Assert.All(heartbeats, h => Assert.Equal((leader.Promised, 1ul), (h.Ballot, h.CommitIndex)));
    }

    [Fact]
    public void AcceptsAreSplitAtTheMessageEntryLimit()
    {
        ReplicaCore leader = EstablishedLeader(Options(0) with { MaxEntriesPerMessage = 2, MaxBatchCommands = 1 });
        for (int i = 0; i < 5; i++)
        {
            leader.Propose(Bytes($"c{i}"));
        }

        List<Accept> accepts = MessagesOf<Accept>(Drain(leader)).FindAll(a => a.To == 1);

        Assert.Equal([2, 2, 1], accepts.Select(a => a.Entries.Count));
        Assert.Equal([2ul, 3ul, 4ul, 5ul, 6ul], accepts.SelectMany(a => a.Entries).Select(e => e.Slot));
    }

    [Fact]
    public void DuplicateAcceptsAreIdempotent()
    {
        ReplicaCore follower = NewCore(1);
        var accept = new Accept(0, 1, new Ballot(1, 0), 0, [new LogEntry(1, new Ballot(1, 0), Value("a"))]);

        follower.Step(accept);
        Ready first = Drain(follower);
        follower.Step(accept);
        Ready second = Drain(follower);

        Assert.Single(first.Entries);
        Assert.Empty(second.Entries);
        Assert.Equal([1ul], SingleTo<AcceptReply>(second, 0).Slots);
    }
}
