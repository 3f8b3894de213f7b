using Paxos.Core.SingleDecree;

namespace Paxos.Core.Tests.SingleDecree;

public class LearnerTests
{
    [Fact]
    public void A_value_is_chosen_when_a_majority_accepted_the_same_ballot()
    {
        var learner = new Learner(5);
        var p = new Proposal(new Ballot(2, 1), "v"u8.ToArray());
        Assert.Null(learner.Observe(0, p));
        Assert.Null(learner.Observe(1, p));
        Assert.Null(learner.Observe(1, p));
        Assert.Equal(p.Value, learner.Observe(4, p));
    }

    [Fact]
    public void The_same_value_in_different_ballots_does_not_add_up()
    {
        var learner = new Learner(3);
        Assert.Null(learner.Observe(0, new Proposal(new Ballot(1, 0), "v"u8.ToArray())));
        Assert.Null(learner.Observe(1, new Proposal(new Ballot(2, 0), "v"u8.ToArray())));
        Assert.Null(learner.Chosen);
    }
}
