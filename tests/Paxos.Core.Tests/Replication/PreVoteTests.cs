using Paxos.Core.Replication;
using static Paxos.Core.Tests.Replication.ReplicaTestKit;

namespace Paxos.Core.Tests.Replication;

/// <summary>
/// Pre-vote: a node whose election timer runs out asks first, promises nothing while it asks, and runs
/// phase 1 only with a quorum of grants; a node that hears its leader, or leads, refuses.
/// </summary>
public sealed class PreVoteTests
{
    private static ReplicaCore NewPreVoter(int node, int size = 3) =>
        new(Options(node, size) with { PreVote = true }, new FixedRandomSource(0), DurableState.Empty);

    /// <summary>Ticks <paramref name="core"/> until its timer runs out; returns the Ready holding its pre-votes.</summary>
    private static Ready TickUntilPreVote(ReplicaCore core)
    {
        for (int i = 0; i < 2 * ElectionTicks; i++)
        {
            core.Tick();
            Ready ready = Drain(core);
            if (MessagesOf<PreVote>(ready).Count > 0)
            {
                return ready;
            }
        }

        throw new InvalidOperationException("the election timer never ran out");
    }

    [Fact]
    public void A_node_whose_timer_runs_out_asks_every_peer_and_promises_nothing()
    {
        ReplicaCore node = NewPreVoter(0);

        Ready ready = TickUntilPreVote(node);

        Assert.Equal([1, 2], MessagesOf<PreVote>(ready).Select(m => m.To).Order());
        Assert.Empty(MessagesOf<Prepare>(ready));
        Assert.Null(ready.HardState);
        Assert.False(ready.MustSync);
        Assert.Equal(ReplicaRole.Follower, node.Role);
        Assert.Equal(Ballot.Zero, node.Promised);
    }

    [Fact]
    public void A_quorum_of_grants_starts_phase_one_above_every_promise_reported()
    {
        ReplicaCore node = NewPreVoter(0, size: 5);
        PreVote asked = SingleTo<PreVote>(TickUntilPreVote(node), 1);
        var promisedElsewhere = new Ballot(7, 3);

        node.Step(new PreVoteReply(1, 0, asked.Ballot, true, promisedElsewhere));
        Assert.Equal(ReplicaRole.Follower, node.Role); // itself and one peer: no quorum of five yet
        node.Step(new PreVoteReply(2, 0, asked.Ballot, true, Ballot.Zero));

        Assert.Equal(ReplicaRole.Candidate, node.Role);
        Prepare prepare = SingleTo<Prepare>(Drain(node), 4);
        Assert.True(prepare.Ballot > promisedElsewhere);
        Assert.Equal(prepare.Ballot, node.Promised);
    }

    [Fact]
    public void Refusals_and_grants_for_another_pre_vote_start_nothing()
    {
        ReplicaCore node = NewPreVoter(0, size: 5);
        PreVote asked = SingleTo<PreVote>(TickUntilPreVote(node), 1);

        node.Step(new PreVoteReply(1, 0, asked.Ballot, false, Ballot.Zero));
        node.Step(new PreVoteReply(2, 0, asked.Ballot, false, Ballot.Zero));
        node.Step(new PreVoteReply(3, 0, new Ballot(asked.Ballot.Round + 1, 0), true, Ballot.Zero));
        node.Step(new PreVoteReply(4, 0, Ballot.Zero, true, Ballot.Zero));

        Assert.Equal(ReplicaRole.Follower, node.Role);
        Assert.Empty(MessagesOf<Prepare>(Drain(node)));
        Assert.Equal(Ballot.Zero, node.Promised);
    }

    [Fact]
    public void Hearing_the_leader_while_asking_cancels_the_pre_vote()
    {
        ReplicaCore node = NewPreVoter(0);
        var leaderBallot = new Ballot(1, 1);
        node.Step(new Heartbeat(1, 0, leaderBallot, 0, 1));
        Drain(node);
        PreVote asked = SingleTo<PreVote>(TickUntilPreVote(node), 2);

        node.Step(new Heartbeat(1, 0, leaderBallot, 0, 2));
        node.Step(new PreVoteReply(2, 0, asked.Ballot, true, Ballot.Zero));

        Assert.Equal(ReplicaRole.Follower, node.Role);
        Assert.Equal(1, node.LeaderId);
        Assert.Equal(leaderBallot, node.Promised);
    }

    [Fact]
    public void A_follower_refuses_while_it_hears_its_leader_and_grants_once_the_leader_fell_silent()
    {
        ReplicaCore follower = NewPreVoter(1);
        var leaderBallot = new Ballot(1, 0);
        follower.Step(new Heartbeat(0, 1, leaderBallot, 0, 1));
        Drain(follower);

        follower.Step(new PreVote(2, 1, new Ballot(2, 2)));
        PreVoteReply refused = SingleTo<PreVoteReply>(Drain(follower), 2);
        Assert.False(refused.Granted);
        Assert.Equal(leaderBallot, refused.Promised);

        Tick(follower, ElectionTicks);
        Drain(follower);
        follower.Step(new PreVote(2, 1, new Ballot(2, 2)));
        Assert.True(SingleTo<PreVoteReply>(Drain(follower), 2).Granted);
        Assert.Equal(leaderBallot, follower.Promised); // granting a pre-vote promises nothing
    }

    [Fact]
    public void A_node_that_knows_no_leader_grants()
    {
        ReplicaCore node = NewPreVoter(1);

        node.Step(new PreVote(2, 1, new Ballot(1, 2)));

        Assert.True(SingleTo<PreVoteReply>(Drain(node), 2).Granted);
        Assert.Equal(Ballot.Zero, node.Promised);
    }

    [Fact]
    public void A_leader_refuses_and_keeps_leading()
    {
        ReplicaCore leader = EstablishedLeader(); // elected by hand; a node answers pre-votes whatever its own setting
        Ballot ballot = leader.Promised;

        leader.Step(new PreVote(2, 0, Ballot.NextAbove(ballot, 2)));

        Assert.False(SingleTo<PreVoteReply>(Drain(leader), 2).Granted);
        Assert.Equal(ReplicaRole.Leader, leader.Role);
        Assert.Equal(ballot, leader.Promised);
    }

    [Fact]
    public void A_single_node_cluster_needs_no_one_to_agree()
    {
        var core = new ReplicaCore(Options(0, size: 1) with { PreVote = true }, new FixedRandomSource(0), DurableState.Empty);

        Tick(core, ElectionTicks);

        Assert.Equal(ReplicaRole.Leader, core.Role);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_node_cut_off_from_a_healthy_leader_deposes_it_on_its_return_only_without_pre_vote(bool preVote)
    {
        // Three nodes; 0 leads and 1 follows it.
        var options = Options(0) with { PreVote = preVote };
        ReplicaCore[] nodes = [.. Enumerable.Range(0, 3).Select(i => new ReplicaCore(options with { NodeId = i }, new FixedRandomSource(0), DurableState.Empty))];
        Exchange(nodes, ticks: 2 * ElectionTicks, isLost: _ => false);
        Assert.Equal(ReplicaRole.Leader, nodes[0].Role);
        Ballot leaderBallot = nodes[0].Promised;

        // Node 2 is cut off for many election timeouts: everything it sends or is sent is lost.
        Exchange(nodes, ticks: 10 * ElectionTicks, isLost: m => m.From == 2 || m.To == 2);

        // It is back, but the leader's messages to it still do not arrive (a restarted node, before
        // the leader's stream to it reconnects): its timer runs out and it asks the others.
        Exchange(nodes, ticks: 4 * ElectionTicks, isLost: m => m.From == 0 && m.To == 2);

        Exchange(nodes, ticks: 4 * ElectionTicks, isLost: _ => false);
        bool deposed = nodes[0].Role != ReplicaRole.Leader || nodes[0].Promised != leaderBallot;
        Assert.Equal(!preVote, deposed);
        if (preVote)
        {
            Assert.Equal(0, nodes[2].LeaderId);
            Assert.Equal(leaderBallot, nodes[2].Promised);
        }
    }

    /// <summary>
    /// Runs <paramref name="ticks"/> rounds: every node ticks, then every message is delivered (in
    /// rounds, until none is left) unless <paramref name="isLost"/>. Node 0's timer runs out first.
    /// </summary>
    private static void Exchange(ReplicaCore[] nodes, int ticks, Func<ReplicaMessage, bool> isLost)
    {
        for (int tick = 0; tick < ticks; tick++)
        {
            for (int i = 0; i < nodes.Length; i++)
            {
                // Node 0 ticks ahead, so that the first election in a fresh cluster is its own.
                for (int extra = i == 0 && tick == 0 ? ElectionTicks : 1; extra > 0; extra--)
                {
                    nodes[i].Tick();
                }
            }

            Settle(nodes, isLost);
        }
    }
}
