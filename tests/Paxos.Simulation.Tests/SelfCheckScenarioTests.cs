using Paxos.Simulation.Infrastructure;
using Paxos.Simulation.Running;
using Paxos.Simulation.SelfCheck;

namespace Paxos.Simulation.Tests;

public class SelfCheckScenarioTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    public void CorrectServerPassesUnderFaults(int nodes)
    {
        for (ulong seed = 1; seed <= 10; seed++)
        {
            SimulationResult result = SelfCheckScenario.Run(new SimulationRunOptions(seed, nodes, PlantedBug.None));

            Assert.True(result.Passed, $"seed {seed}: {result.Failure}");
            Assert.True(result.Operations > 100);
            Assert.Equal(TimeSpan.FromSeconds(20), result.VirtualTime);
        }
    }

    [Theory]
    [InlineData(PlantedBug.StaleRead)]
    [InlineData(PlantedBug.AckBeforeFsync)]
    [InlineData(PlantedBug.SkipRecovery)]
    public void EachPlantedBugIsCaughtWithinAHundredSeeds(PlantedBug bug)
    {
        SimulationResult? failure = Enumerable.Range(1, 100)
            .Select(seed => SelfCheckScenario.Run(new SimulationRunOptions((ulong)seed, 5, bug)))
            .FirstOrDefault(r => !r.Passed);

        Assert.NotNull(failure);
        Assert.Contains("NOT linearizable", failure.Failure, StringComparison.Ordinal);
        Assert.Contains("no order explains the response of", failure.Failure, StringComparison.Ordinal);
        Assert.NotEmpty(failure.Trace);
    }

    [Fact]
    public void SameSeedReplaysTheIdenticalRunAndTrace()
    {
        var options = new SimulationRunOptions(1, 5, PlantedBug.AckBeforeFsync);

        SimulationResult first = SelfCheckScenario.Run(options);
        SimulationResult second = SelfCheckScenario.Run(options);

        Assert.False(first.Passed);
        Assert.Equal(first.Failure, second.Failure);
        Assert.Equal(first.Trace, second.Trace);
        Assert.Equal(first.Operations, second.Operations);
        Assert.Equal(first.FaultsInjected, second.FaultsInjected);
    }

    [Fact]
    public void DifferentSeedsGiveDifferentRuns()
    {
        SimulationResult a = SelfCheckScenario.Run(new SimulationRunOptions(1, 5, PlantedBug.None));
        SimulationResult b = SelfCheckScenario.Run(new SimulationRunOptions(2, 5, PlantedBug.None));

        Assert.NotEqual((a.Operations, a.FaultsInjected), (b.Operations, b.FaultsInjected));
    }

    [Fact]
    public void RefusesPlantedBugsThatNeedTheConsensusCore()
    {
        Assert.Throws<ArgumentException>(() => SelfCheckScenario.Run(new SimulationRunOptions(1, 5, PlantedBug.ForgetPromise)));
    }
}
