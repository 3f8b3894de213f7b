using Paxos.Simulation.Infrastructure;
using Paxos.Simulation.Running;

namespace Paxos.Simulation.Tests;

public class CommandLineTests
{
    [Theory]
    [InlineData("forget-promise", PlantedBug.ForgetPromise)]
    [InlineData("ignore-accepted", PlantedBug.IgnoreAccepted)]
    [InlineData("stale-read", PlantedBug.StaleRead)]
    [InlineData("ack-before-fsync", PlantedBug.AckBeforeFsync)]
    [InlineData("skip-recovery", PlantedBug.SkipRecovery)]
    public void ParsesEveryPlantedBugNameBothWays(string name, PlantedBug bug)
    {
        Assert.Equal(bug, PlantedBugs.Parse(name));
        Assert.Equal(name, PlantedBugs.NameOf(bug));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("Stale-Read")]
    [InlineData("")]
    [InlineData("stale_read")]
    public void RejectsUnknownPlantedBugNamesListingTheValidOnes(string name)
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => PlantedBugs.Parse(name));

        Assert.Contains("ack-before-fsync", error.Message, StringComparison.Ordinal);
        Assert.False(PlantedBugs.TryParse(name, out _));
    }

    [Fact]
    public void ParsesSeedRangesReplaysNodesAndPlants()
    {
        Assert.Equal(CommandLineOptions.Default, CommandLineOptions.TryParse([], out _));
        Assert.Equal(
            new CommandLineOptions(7, 20, 3, PlantedBug.StaleRead, false),
            CommandLineOptions.TryParse(["--seeds", "20", "--start", "7", "--nodes", "3", "--plant", "stale-read"], out _));
        Assert.Equal(
            new CommandLineOptions(12345, 1, 7, PlantedBug.None, false),
            CommandLineOptions.TryParse(["--seed", "12345", "--nodes", "7"], out _));
        Assert.Equal(
            new CommandLineOptions(1, 100, 5, PlantedBug.None, false, LeaderTransfers: true),
            CommandLineOptions.TryParse(["--transfers", "on"], out _));
        Assert.Equal(
            new CommandLineOptions(1, 100, 5, PlantedBug.None, false, PreVote: false),
            CommandLineOptions.TryParse(["--pre-vote", "off"], out _));
        Assert.Equal(
            new CommandLineOptions(1, 100, 5, PlantedBug.StaleMembership, false, MembershipChanges: true),
            CommandLineOptions.TryParse(["--membership", "on", "--plant", "stale-membership"], out _));
        Assert.True(CommandLineOptions.TryParse(["--help"], out _)!.ShowHelp);
    }

    [Theory]
    [InlineData("unknown planted bug 'bogus'", "--plant", "bogus")]
    [InlineData("--nodes must be 3, 5 or 7", "--nodes", "4")]
    [InlineData("--transfers must be on or off", "--transfers", "yes")]
    [InlineData("--pre-vote must be on or off", "--pre-vote", "no")]
    [InlineData("--membership must be on or off", "--membership", "yes")]
    [InlineData("--seeds needs a positive whole number", "--seeds", "0")]
    [InlineData("--seed needs a whole number", "--seed", "-1")]
    [InlineData("--seeds needs a value", "--seeds")]
    [InlineData("unknown option '--frobnicate'", "--frobnicate", "1")]
    [InlineData("cannot be combined", "--seed", "1", "--seeds", "2")]
    public void RejectsBadCommandLinesWithAClearMessage(string expected, params string[] args)
    {
        Assert.Null(CommandLineOptions.TryParse(args, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
