using Paxos.Core.Replication;
using static Paxos.Core.Tests.Replication.ReplicaTestKit;

namespace Paxos.Core.Tests.Replication;

/// <summary>
/// Membership changes in the core (ReplicaCore.Membership.cs): learners, promotion, removal, one
/// change at a time, quorums of both memberships while a change is in flight, and the candidate that
/// missed a change. Randomized runs with faults are in <see cref="ClusterSimulationTests"/>.
/// </summary>
public sealed class MembershipTests
{
    private static readonly Func<ReplicaMessage, bool> None = _ => false;

    [Fact]
    public void ALearnerReceivesTheLogNeverCampaignsAndCountsInNoQuorum()
    {
        ReplicaCore[] nodes = FoundersAndJoiner();
        ElectNodeZero(nodes);
        MembershipChangeResult added = nodes[0].ChangeMembership(MembershipChange.AddLearner("n3", "http://n3"));
        Assert.Equal(MembershipChangeStatus.Proposed, added.Status);
        Assert.Equal(3, added.Membership.Find(3)!.Number);
        Heartbeats(nodes, None, 3);
        Assert.All(nodes, node => Assert.Equal(added.Slot, node.Membership.Slot));
        Assert.True(nodes[3].Membership.IsMember(3) && !nodes[3].IsVoter);

        for (int tick = 0; tick < 10 * ElectionTicks; tick++)
        {
            nodes[3].Tick();
            Assert.DoesNotContain(Drain(nodes[3]).Messages, m => m is Prepare or PreVote);
        }

        Assert.Equal(ReplicaRole.Follower, nodes[3].Role);

        // With nodes 1 and 2 cut off, the leader and its learner are no quorum.
        ulong commit = nodes[0].CommitIndex;
        bool Cut(ReplicaMessage m) => m.From is 1 or 2 || m.To is 1 or 2;
        Assert.Equal(ProposeStatus.Accepted, nodes[0].Propose(Bytes("x")).Status);
        Heartbeats(nodes, Cut, 2);
        Assert.Equal(commit, nodes[0].CommitIndex);
        Assert.True(nodes[3].LastAcceptedSlot > commit, "the learner accepted the slot");
    }

    [Fact]
    public void APromotionWaitsUntilTheLearnerAppliedWhatWasChosenWhenItWasAsked()
    {
        ReplicaCore[] nodes = FoundersAndJoiner();
        ElectNodeZero(nodes);
        ulong slot = nodes[0].ChangeMembership(MembershipChange.AddLearner("n3", "http://n3")).Slot;
        bool CutLearner(ReplicaMessage m) => m.To == 3;
        Heartbeats(nodes, CutLearner, 2);
        Assert.True(nodes[0].CommitIndex >= slot);

        MembershipChangeResult early = nodes[0].ChangeMembership(MembershipChange.Promote(3));
        Assert.Equal(MembershipChangeStatus.Refused, early.Status);
        Assert.Contains("caught up", early.Reason, StringComparison.Ordinal);

        Heartbeats(nodes, None, 3);
        MembershipChangeResult promoted = nodes[0].ChangeMembership(MembershipChange.Promote(3));
        Assert.Equal(MembershipChangeStatus.Proposed, promoted.Status);
        Heartbeats(nodes, None, 2);
        Assert.True(nodes[3].IsVoter);
        Assert.Equal(3, nodes[0].Membership.QuorumSize);
    }

    [Fact]
    public void WhileAChangeIsInFlightASlotNeedsAMajorityOfBothMemberships()
    {
        ReplicaCore[] nodes = FoundersAndJoiner();
        ElectNodeZero(nodes);
        nodes[0].ChangeMembership(MembershipChange.AddLearner("n3", "http://n3"));
        Heartbeats(nodes, None, 3);

        // Promote 3 ({0,1,2} -> {0,1,2,3}) and propose a command; only node 1 answers. {0,1} is a
        // majority of the old voters but not of the new ones, so neither slot is chosen.
        MembershipChangeResult promoted = nodes[0].ChangeMembership(MembershipChange.Promote(3));
        Assert.Equal(MembershipChangeStatus.Proposed, promoted.Status);
        Assert.Equal(ProposeStatus.Accepted, nodes[0].Propose(Bytes("x")).Status);
        ulong commit = nodes[0].CommitIndex;
        bool OnlyNodeOne(ReplicaMessage m) => m.From is 2 or 3 || m.To is 2 or 3;
        Heartbeats(nodes, OnlyNodeOne, 2);
        Assert.Equal(commit, nodes[0].CommitIndex);
        Assert.Equal(MembershipChangeStatus.InProgress, nodes[0].ChangeMembership(MembershipChange.Remove(1)).Status);

        // Node 2 answers too: {0,1,2} is a majority of both.
        bool NodeThreeCut(ReplicaMessage m) => m.From == 3 || m.To == 3;
        Heartbeats(nodes, NodeThreeCut, 2);
        Assert.True(nodes[0].CommitIndex > promoted.Slot);
        Assert.True(nodes[0].Membership.IsVoter(3));
    }

    [Fact]
    public void RetriedChangesChangeNothingAndUnsafeOnesAreRefused()
    {
        ReplicaCore[] nodes = FoundersAndJoiner();
        ElectNodeZero(nodes);
        nodes[0].ChangeMembership(MembershipChange.AddLearner("n3", "http://n3"));
        Heartbeats(nodes, None, 3);
        ulong slot = nodes[0].Membership.Slot;

        Assert.Equal(MembershipChangeStatus.Unchanged, nodes[0].ChangeMembership(MembershipChange.AddLearner("n3", "http://n3")).Status);
        Assert.Equal(MembershipChangeStatus.Unchanged, nodes[0].ChangeMembership(MembershipChange.Promote(1)).Status);
        Assert.Equal(MembershipChangeStatus.Unchanged, nodes[0].ChangeMembership(MembershipChange.Remove(7)).Status);
        Assert.Equal(MembershipChangeStatus.Refused, nodes[0].ChangeMembership(MembershipChange.AddLearner("n3", "http://elsewhere")).Status);
        Assert.Equal(MembershipChangeStatus.Refused, nodes[0].ChangeMembership(MembershipChange.AddLearner("n4", "http://n3")).Status);
        Assert.Equal(MembershipChangeStatus.Refused, nodes[0].ChangeMembership(MembershipChange.Promote(7)).Status);
        Assert.Equal(MembershipChangeStatus.RemovesLeader, nodes[0].ChangeMembership(MembershipChange.Remove(0)).Status);
        Assert.Equal(MembershipChangeStatus.NotLeader, nodes[1].ChangeMembership(MembershipChange.Remove(2)).Status);
        Assert.Equal(slot, nodes[0].Membership.Slot);
    }

    [Fact]
    public void ARemovedNodeIsToldNothingAndGetsNoPreVote()
    {
        ReplicaCore[] nodes = FoundersAndJoiner();
        ElectNodeZero(nodes);
        MembershipChangeResult removed = nodes[0].ChangeMembership(MembershipChange.Remove(2));
        Heartbeats(nodes, None, 3);
        Assert.True(nodes[0].Membership.WasRemoved(2));
        Assert.Equal(2, nodes[0].Membership.QuorumSize);

        nodes[0].Tick();
        Assert.DoesNotContain(Drain(nodes[0]).Messages, m => m.To == 2);
        nodes[1].Step(new PreVote(2, 1, new Ballot(99, 2)));
        Assert.False(SingleTo<PreVoteReply>(Drain(nodes[1]), 2).Granted);
        Assert.True(removed.Slot <= nodes[1].CommitIndex);
    }

    [Fact]
    public void ACandidateThatMissedAChosenMembershipCatchesUpBeforeItLeads()
    {
        ReplicaCore candidate = NewCore(1);
        StartElection(candidate);
        candidate.Step(new Promise(2, 1, candidate.Promised, 12, [], MembershipSlot: 9));
        Ready ready = Drain(candidate);
        Assert.Equal(ReplicaRole.Follower, candidate.Role);
        Assert.Equal(1ul, SingleTo<CatchUpRequest>(ready, 2).FromSlot);
    }

    [Fact]
    public void TheLeadersOwnAcceptanceCountsOnlyOnceItIsDurable()
    {
        // One voter and a learner: counted before its fsync, the leader's acceptance alone would choose
        // the slot, and the Accept leaving before that fsync would tell the learner so.
        var membership = new Membership(0, [new Member(0, "a", "", IsVoter: true), new Member(1, "b", "", IsVoter: false)], 2);
        var leader = new ReplicaCore(Options(0, size: 1), new FixedRandomSource(0), DurableState.Empty with { Membership = membership });
        Tick(leader, 2 * ElectionTicks);
        Assert.Equal(ReplicaRole.Leader, leader.Role);
        Drain(leader);
        Drain(leader);
        ulong slot = leader.Propose(Bytes("x")).Slot;
        Ready proposed = Drain(leader);
        Assert.All(MessagesOf<Accept>(proposed), accept => Assert.True(accept.CommitIndex < slot));
        Assert.DoesNotContain(proposed.CommittedEntries, entry => entry.Slot == slot);
        Assert.Equal(slot, leader.CommitIndex); // once that Ready was persisted
        Assert.Contains(Drain(leader).CommittedEntries, entry => entry.Slot == slot);
    }

    [Fact]
    public void AOneVoterClusterAddsALearnerThenPromotesIt()
    {
        var leader = new ReplicaCore(Options(0, size: 1), new FixedRandomSource(0), DurableState.Empty);
        var joiner = new ReplicaCore(Options(1, size: 1), new FixedRandomSource(0), DurableState.Empty with { Membership = Membership.Unknown });
        ReplicaCore[] nodes = [leader, joiner];
        Tick(leader, 2 * ElectionTicks);
        Assert.Equal(ReplicaRole.Leader, leader.Role);
        Settle(nodes, None);
        Assert.Equal(MembershipChangeStatus.Proposed, leader.ChangeMembership(MembershipChange.AddLearner("b", "http://b")).Status);
        Heartbeats(nodes, None, 3);
        Assert.True(joiner.Membership.IsMember(1));
        Assert.Equal(MembershipChangeStatus.Proposed, leader.ChangeMembership(MembershipChange.Promote(1)).Status);
        Heartbeats(nodes, None, 2);
        Assert.True(leader.Membership.IsVoter(1) && joiner.IsVoter);
        Assert.Equal(2, leader.Membership.QuorumSize);
    }

    /// <summary>Founders 0, 1 and 2, and node 3 that knows no membership yet.</summary>
    private static ReplicaCore[] FoundersAndJoiner() =>
    [
        NewCore(0), NewCore(1), NewCore(2),
        new ReplicaCore(Options(3), new FixedRandomSource(0), DurableState.Empty with { Membership = Membership.Unknown }),
    ];

    private static void ElectNodeZero(ReplicaCore[] nodes)
    {
        foreach (ReplicaMessage prepare in StartElection(nodes[0]).Messages)
        {
            nodes[prepare.To].Step(prepare);
        }

        Heartbeats(nodes, None, 2);
        Assert.Equal(ReplicaRole.Leader, nodes[0].Role);
        Assert.True(nodes[0].CommitIndex >= 1);
    }

    /// <summary><paramref name="rounds"/> leader heartbeats, each settled.</summary>
    private static void Heartbeats(ReplicaCore[] nodes, Func<ReplicaMessage, bool> isLost, int rounds)
    {
        Settle(nodes, isLost);
        for (int round = 0; round < rounds; round++)
        {
            nodes[0].Tick();
            Settle(nodes, isLost);
        }
    }
}
