using Paxos.Core.SingleDecree;

namespace Paxos.Core.Tests.SingleDecree;

public class ProposerTests
{
    private static readonly byte[] Own = "own"u8.ToArray();
    private static readonly byte[] Other = "other"u8.ToArray();

    private static PromiseReply Granted(Ballot b, Proposal? accepted = null) => new(true, b, b, accepted);

    [Fact]
    public void Starts_above_the_floor_and_every_ballot_seen()
    {
        var proposer = new Proposer(2, 5, Own);
        Assert.Equal(new Ballot(8, 2), proposer.StartRound(new Ballot(7, 2)));
        proposer.OnPromise(0, new PromiseReply(false, new Ballot(8, 2), new Ballot(11, 4), null));
        Assert.Equal(new Ballot(12, 2), proposer.StartRound(Ballot.Zero));
    }

    [Fact]
    public void Proposes_its_own_value_when_no_promise_reports_an_accepted_one()
    {
        var proposer = new Proposer(0, 5, Own);
        var b = proposer.StartRound(Ballot.Zero);
        Assert.IsType<ProposerAction.Wait>(proposer.OnPromise(0, Granted(b)));
        Assert.IsType<ProposerAction.Wait>(proposer.OnPromise(1, Granted(b)));
        var action = Assert.IsType<ProposerAction.SendAccept>(proposer.OnPromise(2, Granted(b)));
        Assert.Equal(Own, action.Proposal.Value);
        Assert.Equal(b, action.Proposal.Ballot);
    }

    [Fact]
    public void Adopts_the_value_of_the_highest_ballot_accepted_proposal()
    {
        var proposer = new Proposer(0, 5, Own);
        var b = proposer.StartRound(new Ballot(9, 0));
        proposer.OnPromise(1, Granted(b, new Proposal(new Ballot(3, 1), "low"u8.ToArray())));
        proposer.OnPromise(2, Granted(b, new Proposal(new Ballot(5, 4), Other)));
        var action = Assert.IsType<ProposerAction.SendAccept>(proposer.OnPromise(3, Granted(b)));
        Assert.Equal(Other, action.Proposal.Value);
    }

    [Fact]
    public void Adopts_an_accepted_empty_value()
    {
        var proposer = new Proposer(0, 3, Own);
        var b = proposer.StartRound(Ballot.Zero);
        proposer.OnPromise(1, Granted(b, new Proposal(new Ballot(1, 1), [])));
        var action = Assert.IsType<ProposerAction.SendAccept>(proposer.OnPromise(2, Granted(b)));
        Assert.Empty(action.Proposal.Value);
    }

    [Fact]
    public void Proposes_its_own_empty_value()
    {
        var proposer = new Proposer(0, 1, []);
        var b = proposer.StartRound(Ballot.Zero);
        var accept = Assert.IsType<ProposerAction.SendAccept>(proposer.OnPromise(0, Granted(b)));
        var decided = Assert.IsType<ProposerAction.Decided>(proposer.OnAcceptReply(0, new AcceptReply(true, b, b)));
        Assert.Empty(decided.Value);
        Assert.Empty(accept.Proposal.Value);
    }

    [Fact]
    public void Counts_each_acceptor_once()
    {
        var proposer = new Proposer(0, 5, Own);
        var b = proposer.StartRound(Ballot.Zero);
        proposer.OnPromise(1, Granted(b));
        proposer.OnPromise(1, Granted(b));
        Assert.IsType<ProposerAction.Wait>(proposer.OnPromise(1, Granted(b)));
        Assert.Equal(ProposerPhase.Preparing, proposer.Phase);
    }

    [Fact]
    public void Decides_when_a_quorum_accepted_its_ballot()
    {
        var proposer = new Proposer(0, 3, Own);
        var b = proposer.StartRound(Ballot.Zero);
        proposer.OnPromise(0, Granted(b));
        proposer.OnPromise(1, Granted(b));
        Assert.IsType<ProposerAction.Wait>(proposer.OnAcceptReply(0, new AcceptReply(true, b, b)));
        Assert.IsType<ProposerAction.Wait>(proposer.OnAcceptReply(0, new AcceptReply(true, b, b)));
        var decided = Assert.IsType<ProposerAction.Decided>(proposer.OnAcceptReply(2, new AcceptReply(true, b, b)));
        Assert.Equal(Own, decided.Value);
        Assert.Equal(ProposerPhase.Decided, proposer.Phase);
    }

    [Fact]
    public void A_rejection_ends_the_round_and_reports_the_higher_ballot()
    {
        var proposer = new Proposer(1, 3, Own);
        var b = proposer.StartRound(Ballot.Zero);
        proposer.OnPromise(0, Granted(b));
        proposer.OnPromise(1, Granted(b));
        var retry = Assert.IsType<ProposerAction.Retry>(proposer.OnAcceptReply(2, new AcceptReply(false, b, new Ballot(4, 2))));
        Assert.Equal(new Ballot(4, 2), retry.HigherBallot);
        Assert.True(proposer.StartRound(Ballot.Zero) > new Ballot(4, 2));
    }

    [Fact]
    public void Ignores_replies_to_an_older_round()
    {
        var proposer = new Proposer(0, 3, Own);
        var old = proposer.StartRound(Ballot.Zero);
        var current = proposer.StartRound(Ballot.Zero);
        Assert.IsType<ProposerAction.Wait>(proposer.OnPromise(1, Granted(old)));
        Assert.IsType<ProposerAction.Wait>(proposer.OnPromise(2, Granted(old)));
        Assert.IsType<ProposerAction.Wait>(proposer.OnPromise(1, Granted(current)));
        Assert.IsType<ProposerAction.SendAccept>(proposer.OnPromise(2, Granted(current)));
    }

    [Fact]
    public void Backoff_grows_and_is_randomized_within_bounds()
    {
        Assert.InRange(RetryBackoff.DelayMs(1, 0.0), 2, 3);
        Assert.InRange(RetryBackoff.DelayMs(3, 0.999), 20, 30);
        Assert.InRange(RetryBackoff.DelayMs(30, 0.5), 500, 500);
        Assert.NotEqual(RetryBackoff.DelayMs(4, 0.1), RetryBackoff.DelayMs(4, 0.9));
    }
}
