using Paxos.Core.Replication;

namespace Paxos.Core.Tests.Replication;

public sealed class LeaderPlacementTests
{
    private const int Window = 4;

    [Fact]
    public void A_follower_that_brought_in_the_share_of_a_busy_window_is_named_at_the_windows_end()
    {
        var placement = new LeaderPlacement(clusterSize: 5, self: 0, Window, minCommands: 10, sharePercent: 90);
        Count(placement, origin: 3, times: 9);
        Count(placement, origin: 0, times: 1);

        Assert.Equal([-1, -1, -1, 3], Ticks(placement, Window));
    }

    [Fact]
    public void Writes_spread_over_nodes_or_mostly_local_name_nobody()
    {
        var spread = new LeaderPlacement(5, 0, Window, 10, 90);
        Count(spread, 3, 89);
        Count(spread, 4, 11);
        var local = new LeaderPlacement(5, 0, Window, 10, 90);
        Count(local, 0, 100);

        Assert.Equal(-1, Ticks(spread, Window)[^1]);
        Assert.Equal(-1, Ticks(local, Window)[^1]);
    }

    [Fact]
    public void A_quiet_window_names_nobody_however_one_sided()
    {
        var placement = new LeaderPlacement(5, 0, Window, minCommands: 10, sharePercent: 90);
        Count(placement, 2, 9);

        Assert.Equal(-1, Ticks(placement, Window)[^1]);
    }

    [Fact]
    public void Each_window_starts_from_zero_and_a_reset_restarts_the_window()
    {
        var placement = new LeaderPlacement(5, 0, Window, 10, 90);
        Count(placement, 2, 10);
        Assert.Equal(2, Ticks(placement, Window)[^1]);

        Assert.Equal(-1, Ticks(placement, Window)[^1]); // the next window saw nothing

        Count(placement, 2, 10);
        placement.Tick();
        placement.Reset();
        Assert.Equal([-1, -1, -1, -1], Ticks(placement, Window));
    }

    [Theory]
    [InlineData(50)]
    [InlineData(101)]
    public void A_share_that_is_not_a_majority_or_above_all_is_refused(int share)
    {
        Assert.Throws<InvariantViolationException>(() => new LeaderPlacement(5, 0, Window, 10, share));
    }

    private static void Count(LeaderPlacement placement, int origin, int times)
    {
        for (int i = 0; i < times; i++)
        {
            placement.CountCommand(origin);
        }
    }

    private static int[] Ticks(LeaderPlacement placement, int count)
    {
        var results = new int[count];
        for (int i = 0; i < count; i++)
        {
            results[i] = placement.Tick();
        }

        return results;
    }
}
