using Paxos.Core.Replication;
using static Paxos.Core.Tests.Replication.ReplicaTestKit;

namespace Paxos.Core.Tests.Replication;

public sealed class LearnerTests
{
    private static readonly Ballot Old = new(1, 2);
    private static readonly Ballot Current = new(2, 0);

    [Fact]
    public void FollowerLearnsFromTheLeadersCommitIndexWhenItsEntryHasTheLeadersBallot()
    {
        ReplicaCore follower = NewCore(1);
        follower.Step(new Accept(0, 1, Current, 0, [new LogEntry(1, Current, Value("a"))]));
        Drain(follower);

        follower.Step(new Heartbeat(0, 1, Current, 1, 1));
        Ready ready = Drain(follower);

        Assert.Equal(1ul, follower.CommitIndex);
        Assert.Equal(1ul, ready.HardState!.Value.CommitIndex);
        Assert.True(Assert.Single(ready.CommittedEntries).Value.SameCommands(Value("a")));
    }

    [Fact]
    public void FollowerDoesNotLearnFromTheCommitIndexWhenItsEntryHasAnotherBallot()
    {
        ReplicaCore follower = NewCore(1);
        follower.Step(new Accept(2, 1, Old, 0, [new LogEntry(1, Old, Value("maybe"))]));
        Drain(follower);

        follower.Step(new Heartbeat(0, 1, Current, 1, 1));
        Ready ready = Drain(follower);

        Assert.Equal(0ul, follower.CommitIndex);
        Assert.Empty(ready.CommittedEntries);
        Assert.Equal(1ul, SingleTo<CatchUpRequest>(ready, 0).FromSlot);
    }

    [Fact]
    public void LaggingFollowerStoresCatchUpEntriesAsChosen()
    {
        ReplicaCore follower = NewCore(1);
        follower.Step(new Accept(2, 1, Old, 0, [new LogEntry(1, Old, Value("maybe"))]));
        Drain(follower);

        follower.Step(new CatchUp(0, 1, 2, [new LogEntry(1, Current, Value("a")), new LogEntry(2, Current, Value("b"))]));
        Ready ready = Drain(follower);

        Assert.Equal(2ul, follower.CommitIndex);
        Assert.Equal([1ul, 2ul], ready.Entries.Select(e => e.Slot));
        Assert.Equal([1ul, 2ul], ready.CommittedEntries.Select(e => e.Slot));
        Assert.True(ready.CommittedEntries[0].Value.SameCommands(Value("a")));
    }

    [Fact]
    public void PartialCatchUpAsksForTheRest()
    {
        ReplicaCore follower = NewCore(1);

        follower.Step(new CatchUp(0, 1, 5, [new LogEntry(1, Current, Value("a")), new LogEntry(2, Current, Value("b"))]));

        Assert.Equal(3ul, SingleTo<CatchUpRequest>(Drain(follower), 0).FromSlot);
    }

    [Fact]
    public void NodeAnswersCatchUpWithItsChosenEntries()
    {
        ReplicaCore leader = EstablishedLeader();
        leader.Propose(Bytes("x"));
        AcknowledgeAccepts(leader, Drain(leader));
        Drain(leader);

        leader.Step(new CatchUpRequest(2, 0, 1));
        CatchUp catchUp = SingleTo<CatchUp>(Drain(leader), 2);

        Assert.Equal(2ul, catchUp.CommitIndex);
        Assert.Equal([1ul, 2ul], catchUp.Entries.Select(e => e.Slot));
    }

    [Fact]
    public void LeaderThatLearnsOfAHigherCommitIndexFetchesIt()
    {
        ReplicaCore leader = EstablishedLeader();

        leader.Step(new HeartbeatReply(1, 0, leader.Promised, 1, 7, 7));

        Assert.Equal(2ul, SingleTo<CatchUpRequest>(Drain(leader), 1).FromSlot);
    }

    [Fact]
    public void CompactedEntriesAreOfferedAsASnapshotOncePerRetryInterval()
    {
        ReplicaCore leader = EstablishedLeader();
        leader.Compact(1);

        leader.Step(new CatchUpRequest(2, 0, 1));
        Ready ready = Drain(leader);
        leader.Step(new CatchUpRequest(2, 0, 1));

        Assert.Equal(new SnapshotTransfer(2, 1), Assert.Single(ready.SnapshotsToSend));
        Assert.Empty(MessagesOf<CatchUp>(ready));
        Assert.Empty(Drain(leader).SnapshotsToSend);
    }

    [Fact]
    public void InstalledSnapshotAdvancesCommitAndAppliedAndDropsOlderEntries()
    {
        ReplicaCore follower = NewCore(1);
        follower.Step(new Accept(0, 1, Current, 0, [new LogEntry(1, Current, Value("a")), new LogEntry(6, Current, Value("f"))]));
        Drain(follower);

        follower.ReportSnapshotInstalled(5, follower.Membership);
        Ready ready = Drain(follower);

        Assert.Equal((5ul, 5ul, 5ul), (follower.CommitIndex, follower.AppliedIndex, follower.SnapshotIndex));
        Assert.Equal(5ul, ready.HardState!.Value.CommitIndex);
        Assert.Empty(ready.CommittedEntries);
        Assert.False(follower.TryGetEntry(1, out _));
        Assert.True(follower.TryGetEntry(6, out _));
    }

    [Fact]
    public void RestartRecoversCommitAndReappliesFromTheSnapshot()
    {
        var durable = new DurableState(new HardState(Current, 3), 1, [
            new LogEntry(2, Current, Value("b")),
            new LogEntry(3, Current, Value("c")),
            new LogEntry(4, Current, Value("d")),
        ]);
        ReplicaCore node = NewCore(1, state: durable);

        Ready ready = Drain(node);

        Assert.Equal((3ul, 3ul), (node.CommitIndex, node.AppliedIndex));
        Assert.Equal([2ul, 3ul], ready.CommittedEntries.Select(e => e.Slot));
        Assert.Equal(ReplicaRole.Follower, node.Role);
    }

    [Fact]
    public void AChosenValueNeverChanges()
    {
        ReplicaCore follower = NewCore(1);
        follower.Step(new CatchUp(0, 1, 1, [new LogEntry(1, Current, Value("a"))]));

        Assert.Throws<InvariantViolationException>(
            () => follower.Step(new CatchUp(2, 1, 1, [new LogEntry(1, Old, Value("z"))])));
    }

    [Fact]
    public void CompactingBeyondTheAppliedIndexIsAnInvariantViolation()
    {
        ReplicaCore follower = NewCore(1);

        Assert.Throws<InvariantViolationException>(() => follower.Compact(1));
    }

    [Fact]
    public void LeaderLearningThatAnotherValueWasChosenWhereItProposedStepsDown()
    {
        ReplicaCore leader = NewCore(0, state: new DurableState(new HardState(new Ballot(5, 2), 0), 0, []));
        AcknowledgeAccepts(leader, ElectLeader(leader));
        Drain(leader);
        leader.Propose(Bytes("mine"));
        Drain(leader);

        leader.Step(new CatchUp(1, 0, 2, [new LogEntry(2, new Ballot(3, 1), Value("theirs"))]));

        Assert.Equal(ReplicaRole.Follower, leader.Role);
        Assert.Equal(2ul, leader.CommitIndex);
        Assert.True(Drain(leader).CommittedEntries[0].Value.SameCommands(Value("theirs")));
    }

    [Fact]
    public void CatchUpIsSentInBoundedChunks()
    {
        ReplicaCore leader = EstablishedLeader(Options(0, window: 64) with { MaxEntriesPerMessage = 3, MaxBatchCommands = 1 });
        for (int i = 0; i < 6; i++)
        {
            leader.Propose(Bytes($"c{i}"));
        }

        AcknowledgeAccepts(leader, Drain(leader));
        Drain(leader);
        Assert.Equal(7ul, leader.CommitIndex);

        leader.Step(new CatchUpRequest(2, 0, 2));
        CatchUp catchUp = SingleTo<CatchUp>(Drain(leader), 2);

        Assert.Equal([2ul, 3ul, 4ul], catchUp.Entries.Select(e => e.Slot));
        Assert.Equal(7ul, catchUp.CommitIndex);
    }

    [Fact]
    public void Retained_entries_are_the_slots_above_the_snapshot_in_order_with_their_latest_value()
    {
        ReplicaCore leader = EstablishedLeader();
        leader.Propose(Bytes("x"));
        leader.Propose(Bytes("y"));
        leader.Propose(Bytes("z"));
        AcknowledgeAccepts(leader, Drain(leader));
        Drain(leader);

        Assert.Equal([1ul, 2ul, 3ul], leader.RetainedEntries().Select(e => e.Slot));
        Assert.True(leader.RetainedEntries().Last().Value.SameCommands(Value("z")));

        leader.Compact(2);
        Assert.Equal([3ul], leader.RetainedEntries().Select(e => e.Slot));
    }

    [Fact]
    public void ALaggingLeaderInstallsASnapshotOfTheChosenPrefixAndKeepsLeading()
    {
        ReplicaCore leader = NewCore(0);
        StartElection(leader);
        leader.Step(new Promise(1, 0, leader.Promised, 10, []));
        Ready first = Drain(leader);
        Assert.Equal(11ul, SingleTo<Accept>(first, 1).Entries.Single().Slot); // the read barrier, above the chosen prefix
        Assert.Equal(1ul, SingleTo<CatchUpRequest>(first, 1).FromSlot);

        leader.ReportSnapshotInstalled(10, leader.Membership);

        Assert.Equal(ReplicaRole.Leader, leader.Role);
        Assert.Equal(10ul, leader.CommitIndex);
        AcknowledgeAccepts(leader, first, followerCommit: 10);
        Assert.Equal(11ul, leader.CommitIndex);
        Assert.Equal(12ul, leader.Propose(Bytes("x")).Slot);
    }

    [Fact]
    public void ALeaderStepsDownForASnapshotCoveringItsOwnUndecidedProposal()
    {
        ReplicaCore leader = NewCore(0);
        StartElection(leader);
        leader.Step(new Promise(1, 0, leader.Promised, 10, []));
        Drain(leader);

        leader.ReportSnapshotInstalled(11, leader.Membership);

        Assert.Equal(ReplicaRole.Follower, leader.Role);
        Assert.Equal(11ul, leader.CommitIndex);
    }
}
