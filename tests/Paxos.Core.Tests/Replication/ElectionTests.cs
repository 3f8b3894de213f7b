using Paxos.Core.Replication;
using static Paxos.Core.Tests.Replication.ReplicaTestKit;

namespace Paxos.Core.Tests.Replication;

public sealed class ElectionTests
{
    [Fact]
    public void SilentFollowerBecomesCandidateWithTheNextBallotAboveAllSeen()
    {
        var durable = new DurableState(new HardState(new Ballot(4, 2), 0), 0, []);
        ReplicaCore node = NewCore(0, state: durable);

        Ready ready = StartElection(node);

        var expected = new Ballot(5, 0);
        Assert.Equal(expected, node.Promised);
        Assert.Equal(expected, ready.HardState!.Value.Promised);
        Assert.Equal(2, MessagesOf<Prepare>(ready).Count);
        Assert.All(MessagesOf<Prepare>(ready), p => Assert.Equal((expected, 1ul), (p.Ballot, p.FromSlot)));
    }

    [Fact]
    public void PrepareStartsAtTheFirstUnchosenSlot()
    {
        var b = new Ballot(1, 1);
        var durable = new DurableState(new HardState(b, 2), 0, [new LogEntry(1, b, Value("a")), new LogEntry(2, b, Value("b"))]);
        ReplicaCore node = NewCore(0, state: durable);

        Ready ready = StartElection(node);

        Assert.All(MessagesOf<Prepare>(ready), p => Assert.Equal(3ul, p.FromSlot));
    }

    [Fact]
    public void NewLeaderReproposesTheHighestBallotValuePerSlotAndFillsHolesWithNoOps()
    {
        var durable = new DurableState(new HardState(new Ballot(2, 2), 0), 0, []);
        ReplicaCore candidate = NewCore(0, size: 5, state: durable);
        StartElection(candidate);
        Ballot ballot = candidate.Promised;

        candidate.Step(new Promise(1, 0, ballot, 0, [
            new LogEntry(1, new Ballot(1, 1), Value("old")),
            new LogEntry(3, new Ballot(1, 1), Value("c")),
        ]));
        Assert.Equal(ReplicaRole.Candidate, candidate.Role);
        candidate.Step(new Promise(2, 0, ballot, 0, [new LogEntry(1, new Ballot(2, 2), Value("newer"))]));
        Assert.Equal(ReplicaRole.Leader, candidate.Role);

        Accept accept = SingleTo<Accept>(Drain(candidate), 3);
        Assert.Equal([1ul, 2ul, 3ul, 4ul], accept.Entries.Select(e => e.Slot));
        Assert.All(accept.Entries, e => Assert.Equal(ballot, e.Ballot));
        Assert.True(accept.Entries[0].Value.SameCommands(Value("newer")));
        Assert.True(accept.Entries[1].Value.IsNoOp);
        Assert.True(accept.Entries[2].Value.SameCommands(Value("c")));
        Assert.True(accept.Entries[3].Value.IsNoOp);
    }

    [Fact]
    public void SlotsUpToAReportedCommitIndexAreFetchedNotReproposed()
    {
        ReplicaCore candidate = NewCore(0);
        StartElection(candidate);

        candidate.Step(new Promise(2, 0, candidate.Promised, 5, [new LogEntry(6, new Ballot(1, 2), Value("f"))]));
        Ready ready = Drain(candidate);

        Accept accept = SingleTo<Accept>(ready, 1);
        Assert.Equal([6ul, 7ul], accept.Entries.Select(e => e.Slot));
        Assert.Equal(1ul, SingleTo<CatchUpRequest>(ready, 2).FromSlot);
    }

    [Fact]
    public void DuplicatePromisesDoNotCountTwice()
    {
        ReplicaCore candidate = NewCore(0, size: 5);
        StartElection(candidate);

        candidate.Step(new Promise(1, 0, candidate.Promised, 0, []));
        candidate.Step(new Promise(1, 0, candidate.Promised, 0, []));

        Assert.Equal(ReplicaRole.Candidate, candidate.Role);
    }

    [Fact]
    public void RejectedCandidateStepsDownAndWaitsARandomTimeout()
    {
        ReplicaCore candidate = NewCore(0);
        StartElection(candidate);
        var higher = new Ballot(7, 2);

        candidate.Step(new Nack(1, 0, candidate.Promised, higher));
        Assert.Equal(ReplicaRole.Follower, candidate.Role);

        Ready retry = StartElection(candidate);
        Assert.True(candidate.Promised > higher);
        Assert.NotEmpty(MessagesOf<Prepare>(retry));
    }

    [Fact]
    public void CandidateWithoutAQuorumRetriesInAHigherBallot()
    {
        ReplicaCore candidate = NewCore(0);
        StartElection(candidate);
        Ballot first = candidate.Promised;

        for (int i = 0; i < 2 * ElectionTicks; i++)
        {
            candidate.Tick();
        }

        Assert.Equal(ReplicaRole.Candidate, candidate.Role);
        Assert.True(candidate.Promised > first);
    }

    [Fact]
    public void LeaderStepsDownOnAPrepareInAHigherBallot()
    {
        ReplicaCore leader = EstablishedLeader();
        var higher = Ballot.NextAbove(leader.Promised, 1);

        leader.Step(new Prepare(1, 0, higher, 2));

        Assert.Equal(ReplicaRole.Follower, leader.Role);
        Assert.Equal(ProposeStatus.NotLeader, leader.Propose(Bytes("x")).Status);
        Assert.Equal(higher, SingleTo<Promise>(Drain(leader), 1).Ballot);
    }

    [Fact]
    public void LeaderStepsDownOnANackOfItsBallot()
    {
        ReplicaCore leader = EstablishedLeader();
        var higher = Ballot.NextAbove(leader.Promised, 2);

        leader.Step(new Nack(2, 0, leader.Promised, higher));

        Assert.Equal(ReplicaRole.Follower, leader.Role);
    }

    [Fact]
    public void LeaderFollowsAHeartbeatInAHigherBallot()
    {
        ReplicaCore leader = EstablishedLeader();
        var higher = Ballot.NextAbove(leader.Promised, 2);

        leader.Step(new Heartbeat(2, 0, higher, 1, 1));

        Assert.Equal(ReplicaRole.Follower, leader.Role);
        Assert.Equal(2, leader.LeaderId);
        Assert.Equal(new ProposeResult(ProposeStatus.NotLeader, 0, 0, 2), leader.Propose(Bytes("x")));
    }

    [Fact]
    public void SingleNodeClusterElectsItselfAndCommitsAlone()
    {
        var core = new ReplicaCore(Options(0, size: 1), new FixedRandomSource(0), DurableState.Empty);
        for (int i = 0; i < ElectionTicks; i++)
        {
            core.Tick();
        }

        Assert.Equal(ReplicaRole.Leader, core.Role);
        Assert.Equal(ProposeStatus.Accepted, core.Propose(Bytes("x")).Status);
        Ready persisted = Drain(core);
        Assert.Empty(persisted.CommittedEntries); // its own acceptances count once they are on disk: after this Ready
        Assert.Equal(2, persisted.Entries.Count);
        Assert.Equal(2ul, core.CommitIndex);
        Ready applied = Drain(core);
        Assert.Equal(2, applied.CommittedEntries.Count);
        Assert.Empty(persisted.Messages);
        Assert.Empty(applied.Messages);
    }

    [Fact]
    public void LeaderThatHearsFromNoQuorumForAnElectionTimeoutStepsDown()
    {
        ReplicaCore leader = EstablishedLeader();

        for (int i = 0; i < 2 * ElectionTicks; i++)
        {
            leader.Tick();
        }

        Assert.Equal(ReplicaRole.Follower, leader.Role);
    }

    [Fact]
    public void PromisesCountAsHearingFromAQuorumInTheLeadersFirstElectionTimeout()
    {
        var leader = new ReplicaCore(Options(0), new FixedRandomSource(0), DurableState.Empty);
        ElectLeader(leader);

        for (int i = 0; i < ElectionTicks; i++)
        {
            leader.Tick();
        }
        Assert.Equal(ReplicaRole.Leader, leader.Role);

        for (int i = 0; i < ElectionTicks; i++)
        {
            leader.Tick();
        }
        Assert.Equal(ReplicaRole.Follower, leader.Role);
    }

    [Fact]
    public void LeaderThatHearsFromAQuorumStaysLeader()
    {
        ReplicaCore leader = EstablishedLeader();

        for (int i = 0; i < 4 * ElectionTicks; i++)
        {
            leader.Tick();
            Heartbeat heartbeat = SingleTo<Heartbeat>(Drain(leader), 1);
            leader.Step(new HeartbeatReply(1, 0, heartbeat.Ballot, heartbeat.Round, 1, 1));
        }

        Assert.Equal(ReplicaRole.Leader, leader.Role);
    }

    [Fact]
    public void ReproposalLearnedChosenBeforeTheNextReadyIsStillSentInTheLeadersBallot()
    {
        ReplicaCore candidate = NewCore(0, state: new DurableState(new HardState(new Ballot(2, 2), 0), 0, []));
        StartElection(candidate);
        var old = new Ballot(1, 2);
        candidate.Step(new Promise(2, 0, candidate.Promised, 0, [new LogEntry(1, old, Value("v"))]));

        candidate.Step(new CatchUp(2, 0, 1, [new LogEntry(1, old, Value("v"))]));
        Ready ready = Drain(candidate);

        Assert.Equal(1ul, candidate.CommitIndex);
        Accept accept = SingleTo<Accept>(ready, 1);
        Assert.All(accept.Entries, e => Assert.Equal(candidate.Promised, e.Ballot));
    }
}
