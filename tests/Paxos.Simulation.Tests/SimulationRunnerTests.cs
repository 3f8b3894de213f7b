using Paxos.Simulation.Infrastructure;
using Paxos.Simulation.Running;

namespace Paxos.Simulation.Tests;

public class SimulationRunnerTests
{
    [Fact]
    public void RunsEverySeedAndSummarisesWhenAllPass()
    {
        var seen = new List<ulong>();
        var output = new StringWriter();
        var runner = new SimulationRunner(output, new StringWriter(), interactive: false);

        int exit = runner.Run(new CommandLineOptions(10, 5, 3, PlantedBug.None, false), options =>
        {
            seen.Add(options.Seed);
            Assert.Equal(3, options.NodeCount);
            return new SimulationResult(true, 100, 7, TimeSpan.FromSeconds(2), null, []);
        });

        Assert.Equal(SimulationRunner.ExitPassed, exit);
        Assert.Equal([10UL, 11, 12, 13, 14], seen);
        string text = output.ToString();
        Assert.Contains("5 seeds run (from 10), 5 passed, 0 failed", text, StringComparison.Ordinal);
        Assert.Contains("simulated operations: 500", text, StringComparison.Ordinal);
        Assert.Contains("faults injected:      35", text, StringComparison.Ordinal);
        Assert.Contains("virtual time:         10.0 s", text, StringComparison.Ordinal);
        Assert.Contains("wall time:", text, StringComparison.Ordinal);
        Assert.Contains("simulated ops/s", text, StringComparison.Ordinal);
    }

    [Fact]
    public void StopsAtTheFirstFailurePrintingSeedTraceAndReplayCommand()
    {
        var output = new StringWriter();
        var runner = new SimulationRunner(output, new StringWriter(), interactive: false);

        int exit = runner.Run(new CommandLineOptions(1, 10, 5, PlantedBug.StaleRead, false), options => options.Seed == 3
            ? new SimulationResult(false, 1, 1, TimeSpan.FromSeconds(1), "history not linearizable", ["t=0.5s something happened"])
            : new SimulationResult(true, 1, 1, TimeSpan.FromSeconds(1), null, []));

        Assert.Equal(SimulationRunner.ExitFailed, exit);
        string text = output.ToString();
        Assert.Contains("FAILED: seed 3", text, StringComparison.Ordinal);
        Assert.Contains("history not linearizable", text, StringComparison.Ordinal);
        Assert.Contains("t=0.5s something happened", text, StringComparison.Ordinal);
        Assert.Contains("--seed 3 --nodes 5 --plant stale-read", text, StringComparison.Ordinal);
        Assert.Contains("3 seeds run (from 1), 2 passed, 1 failed", text, StringComparison.Ordinal);
    }
}
