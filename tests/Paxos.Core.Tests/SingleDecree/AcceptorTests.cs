using Paxos.Core.SingleDecree;

namespace Paxos.Core.Tests.SingleDecree;

public class AcceptorTests
{
    private static readonly byte[] ValueA = "a"u8.ToArray();
    private static readonly byte[] ValueB = "b"u8.ToArray();

    [Fact]
    public void Promises_a_ballot_higher_than_any_promised_and_persists_it()
    {
        var step = Acceptor.OnPrepare(AcceptorState.Initial, new Ballot(1, 0));
        Assert.True(step.Reply.Granted);
        Assert.True(step.StateChanged);
        Assert.Equal(new Ballot(1, 0), step.State.Promised);
        Assert.Null(step.Reply.Accepted);
    }

    [Theory]
    [InlineData(2UL, 2)] // equal ballot
    [InlineData(2UL, 1)] // same round, lower node
    [InlineData(1UL, 4)] // lower round
    public void Refuses_a_ballot_not_above_its_promise(ulong round, int node)
    {
        var state = new AcceptorState(new Ballot(2, 2), null);
        var step = Acceptor.OnPrepare(state, new Ballot(round, node));
        Assert.False(step.Reply.Granted);
        Assert.False(step.StateChanged);
        Assert.Equal(new Ballot(2, 2), step.Reply.Promised);
        Assert.Same(state, step.State);
    }

    /// <summary>
    /// A member's Prepare in round 2^63 - 1 was promised, and then no proposer could go above it:
    /// the instance could never decide. Ballots too far above the promise are rejected.
    /// </summary>
    [Fact]
    public void Rejects_a_ballot_too_far_above_its_promise_and_keeps_its_state()
    {
        var accepted = new Proposal(new Ballot(2, 1), ValueA);
        var state = new AcceptorState(new Ballot(2, 1), accepted);
        var beyond = new Ballot(2 + BallotBound.MaxRoundsAhead + 1, 0);

        foreach (var ballot in new[] { beyond, new Ballot(long.MaxValue, 0) })
        {
            var prepare = Acceptor.OnPrepare(state, ballot);
            Assert.False(prepare.Reply.Granted);
            Assert.False(prepare.StateChanged);
            Assert.Equal(new Ballot(2, 1), prepare.Reply.Promised);
            Assert.Same(state, prepare.State);

            var accept = Acceptor.OnAccept(state, new Proposal(ballot, ValueB));
            Assert.False(accept.Reply.Granted);
            Assert.False(accept.StateChanged);
            Assert.Same(state, accept.State);
        }

        var farthest = new Ballot(2 + BallotBound.MaxRoundsAhead, 0);
        Assert.True(Acceptor.OnPrepare(state, farthest).Reply.Granted);
        Assert.True(Acceptor.OnAccept(state, new Proposal(farthest, ValueB)).Reply.Granted);
    }

    [Fact]
    public void A_promise_reports_the_accepted_proposal()
    {
        var accepted = new Proposal(new Ballot(2, 1), ValueA);
        var state = new AcceptorState(new Ballot(2, 1), accepted);
        var step = Acceptor.OnPrepare(state, new Ballot(3, 0));
        Assert.True(step.Reply.Granted);
        Assert.Equal(accepted, step.Reply.Accepted);
        Assert.Equal(accepted, step.State.Accepted);
    }

    [Fact]
    public void Accepts_at_or_above_the_promise_and_raises_the_promise()
    {
        var state = new AcceptorState(new Ballot(2, 0), null);
        var atPromise = Acceptor.OnAccept(state, new Proposal(new Ballot(2, 0), ValueA));
        Assert.True(atPromise.Reply.Granted);
        Assert.Equal(ValueA, atPromise.State.Accepted!.Value);

        var above = Acceptor.OnAccept(atPromise.State, new Proposal(new Ballot(4, 1), ValueB));
        Assert.True(above.Reply.Granted);
        Assert.Equal(new Ballot(4, 1), above.State.Promised);
        Assert.Equal(new Proposal(new Ballot(4, 1), ValueB), above.State.Accepted);
    }

    [Fact]
    public void Refuses_an_accept_below_the_promise_and_keeps_its_state()
    {
        var accepted = new Proposal(new Ballot(1, 0), ValueA);
        var state = new AcceptorState(new Ballot(3, 0), accepted);
        var step = Acceptor.OnAccept(state, new Proposal(new Ballot(2, 4), ValueB));
        Assert.False(step.Reply.Granted);
        Assert.False(step.StateChanged);
        Assert.Equal(new Ballot(3, 0), step.Reply.Promised);
        Assert.Same(state, step.State);
    }

    [Fact]
    public void An_empty_value_is_a_real_value_not_nothing()
    {
        var step = Acceptor.OnAccept(AcceptorState.Initial, new Proposal(new Ballot(1, 0), []));
        Assert.NotNull(step.State.Accepted);
        var promise = Acceptor.OnPrepare(step.State, new Ballot(2, 0));
        Assert.NotNull(promise.Reply.Accepted);
        Assert.Empty(promise.Reply.Accepted!.Value);
    }

    [Fact]
    public void A_duplicate_accept_changes_nothing()
    {
        var first = Acceptor.OnAccept(AcceptorState.Initial, new Proposal(new Ballot(1, 0), ValueA));
        var again = Acceptor.OnAccept(first.State, new Proposal(new Ballot(1, 0), ValueA));
        Assert.True(again.Reply.Granted);
        Assert.False(again.StateChanged);
    }

    [Fact]
    public void Two_values_in_one_ballot_break_an_invariant()
    {
        var first = Acceptor.OnAccept(AcceptorState.Initial, new Proposal(new Ballot(1, 0), ValueA));
        Assert.Throws<InvariantViolationException>(() => Acceptor.OnAccept(first.State, new Proposal(new Ballot(1, 0), ValueB)));
    }
}
