using Paxos.Core;

namespace Paxos.Core.Tests;

public class BallotTests
{
    [Fact]
    public void Ballots_are_ordered_by_round_then_node()
    {
        Assert.True(new Ballot(1, 4) < new Ballot(2, 0));
        Assert.True(new Ballot(2, 0) < new Ballot(2, 1));
        Assert.True(Ballot.Zero < new Ballot(1, 0));
        Assert.Equal(new Ballot(3, 2), new Ballot(3, 2));
    }

    [Theory]
    [InlineData(0UL, 0, 0, 1UL)]
    [InlineData(0UL, 0, 3, 1UL)]
    [InlineData(5UL, 1, 3, 5UL)]
    [InlineData(5UL, 3, 3, 6UL)]
    [InlineData(5UL, 4, 3, 6UL)]
    public void NextAbove_is_the_lowest_ballot_of_the_node_above_the_one_seen(ulong seenRound, int seenNode, int node, ulong expectedRound)
    {
        var seen = new Ballot(seenRound, seenNode);
        var next = Ballot.NextAbove(seen, node);
        Assert.Equal(new Ballot(expectedRound, node), next);
        Assert.True(next > seen);
    }
}
