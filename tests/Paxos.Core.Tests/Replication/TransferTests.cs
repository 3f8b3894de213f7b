using Paxos.Core.Replication;
using static Paxos.Core.Tests.Replication.ReplicaTestKit;

namespace Paxos.Core.Tests.Replication;

/// <summary>Leadership transfer: drain, hand over, the successor's phase 1, and giving up.</summary>
public sealed class TransferTests
{
    [Fact]
    public void An_idle_leader_hands_over_at_once_and_holds_new_commands()
    {
        ReplicaCore leader = EstablishedLeader();

        Assert.True(leader.TransferLeadership(2));

        TakeOver takeOver = SingleTo<TakeOver>(Drain(leader), 2);
        Assert.Equal(leader.Promised, takeOver.Ballot);
        Assert.Equal(1ul, takeOver.CommitIndex);
        Assert.Equal(ProposeStatus.Busy, leader.Propose(Bytes("x")).Status);
        Assert.Equal(2, leader.TransferTarget);
    }

    [Fact]
    public void The_leader_hands_over_only_once_every_slot_it_proposed_is_chosen()
    {
        ReplicaCore leader = EstablishedLeader();
        leader.Propose(Bytes("x"));
        Ready proposal = Drain(leader);

        Assert.True(leader.TransferLeadership(1));
        Assert.Empty(MessagesOf<TakeOver>(Drain(leader)));

        AcknowledgeAccepts(leader, proposal);
        Assert.Equal(2ul, leader.CommitIndex);
        TakeOver takeOver = SingleTo<TakeOver>(Drain(leader), 1);
        Assert.Equal(2ul, takeOver.CommitIndex);
    }

    [Fact]
    public void A_command_proposed_before_the_transfer_in_the_open_batch_is_sent_and_chosen_first()
    {
        ReplicaCore leader = EstablishedLeader();
        Assert.Equal(ProposeStatus.Accepted, leader.Propose(Bytes("x")).Status);

        Assert.True(leader.TransferLeadership(1));
        Ready ready = Drain(leader);

        Assert.Empty(MessagesOf<TakeOver>(ready));
        Accept accept = SingleTo<Accept>(ready, 1);
        Assert.True(Assert.Single(accept.Entries).Value.SameCommands(Value("x")));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(3)]
    public void A_transfer_to_itself_or_outside_the_cluster_is_refused(int successor)
    {
        ReplicaCore leader = EstablishedLeader();

        Assert.False(leader.TransferLeadership(successor));
        Assert.Equal(-1, leader.TransferTarget);
        Assert.Equal(ProposeStatus.Accepted, leader.Propose(Bytes("x")).Status);
    }

    [Fact]
    public void Only_a_leader_transfers_and_only_one_transfer_at_a_time()
    {
        Assert.False(NewCore(1).TransferLeadership(2));

        ReplicaCore leader = EstablishedLeader();
        Assert.True(leader.TransferLeadership(1));
        Assert.False(leader.TransferLeadership(2));
        Assert.Equal(1, leader.TransferTarget);
    }

    [Fact]
    public void A_transfer_the_successor_does_not_complete_within_an_election_timeout_is_abandoned()
    {
        ReplicaCore leader = EstablishedLeader();
        Assert.True(leader.TransferLeadership(2));
        Drain(leader);

        for (int i = 0; i < ElectionTicks; i++)
        {
            // Heartbeat replies keep the quorum check satisfied: only the transfer times out.
            leader.Tick();
            foreach (Heartbeat beat in MessagesOf<Heartbeat>(Drain(leader)))
            {
                leader.Step(new HeartbeatReply(beat.To, 0, beat.Ballot, beat.Round, leader.CommitIndex, leader.CommitIndex));
            }
        }

        Assert.Equal(ReplicaRole.Leader, leader.Role);
        Assert.Equal(-1, leader.TransferTarget);
        Assert.Equal(ProposeStatus.Accepted, leader.Propose(Bytes("x")).Status);
    }

    [Fact]
    public void The_successor_runs_phase_1_at_once_in_a_higher_ballot_after_learning_the_commit_index()
    {
        var leader = new ReplicaCore(Options(0), new FixedRandomSource(0), DurableState.Empty);
        ReplicaCore successor = NewCore(1);
        Ready barrier = ElectLeader(leader);
        DeliverAcceptsTo(successor, barrier);
        AcknowledgeAccepts(leader, barrier);
        Drain(leader);
        leader.Propose(Bytes("x"));
        Ready proposal = Drain(leader);
        DeliverAcceptsTo(successor, proposal);
        AcknowledgeAccepts(leader, proposal);
        Drain(leader);
        Assert.Equal(1ul, successor.CommitIndex);

        Drain(successor);
        Assert.True(leader.TransferLeadership(1));
        TakeOver takeOver = SingleTo<TakeOver>(Drain(leader), 1);

        successor.Step(takeOver);

        Assert.Equal(ReplicaRole.Candidate, successor.Role);
        Assert.True(successor.Promised > takeOver.Ballot);
        Assert.Equal(takeOver.CommitIndex, successor.CommitIndex);
        Ready prepares = Drain(successor);
        Assert.Equal([0, 2], MessagesOf<Prepare>(prepares).Select(p => p.To).Order());
        Assert.All(MessagesOf<Prepare>(prepares), p => Assert.Equal(takeOver.CommitIndex + 1, p.FromSlot));

        // The old leader promises the higher ballot and steps down.
        leader.Step(SingleTo<Prepare>(prepares, 0));
        Assert.Equal(ReplicaRole.Follower, leader.Role);
        Assert.Equal(-1, leader.TransferTarget);
    }

    [Fact]
    public void A_take_over_from_a_node_that_is_not_the_followed_leader_or_from_an_older_ballot_is_ignored()
    {
        ReplicaCore follower = NewCore(1);
        var ballot = new Ballot(3, 0);
        follower.Step(new Heartbeat(0, 1, ballot, 0, 1));
        Drain(follower);

        follower.Step(new TakeOver(2, 1, ballot, 0));
        follower.Step(new TakeOver(0, 1, new Ballot(2, 0), 0));

        Assert.Equal(ReplicaRole.Follower, follower.Role);
        Assert.Equal(ballot, follower.Promised);
        Assert.Empty(MessagesOf<Prepare>(Drain(follower)));
    }

    private static void DeliverAcceptsTo(ReplicaCore follower, Ready ready)
    {
        foreach (Accept accept in MessagesOf<Accept>(ready).Where(a => a.To == follower.NodeId))
        {
            follower.Step(accept);
        }

        Drain(follower);
    }
}
