using System.Diagnostics;
using Paxos.Checking;
using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Tests;

public class LinearizabilityCheckerPropertyTests
{
    [Fact]
    public void AcceptsEveryHistoryGeneratedFromASequentialExecution()
    {
        for (ulong seed = 1; seed <= 1000; seed++)
        {
            var random = new SimRandom(seed);
            List<HistoryOperation> history = HistoryGenerator.Generate(random, clients: 1 + random.NextInt(8), operations: 5 + random.NextInt(60), keys: 1 + random.NextInt(3), unknownRate: random.NextDouble(0, 0.3), sequential: false);

            LinearizabilityResult result = new LinearizabilityChecker().Check(history);

            Assert.True(result.IsLinearizable, $"seed {seed}: {result.Explanation}");
        }
    }

    [Fact]
    public void RejectsEverySequentialHistoryWithOneMutatedOutput()
    {
        for (ulong seed = 1; seed <= 300; seed++)
        {
            var random = new SimRandom(seed);
            List<HistoryOperation> history = HistoryGenerator.Generate(random, clients: 3, operations: 5 + random.NextInt(40), keys: 2, unknownRate: 0, sequential: true);
            int[] mutable = [.. history.Where(o => o.Input.Kind != KvOperationKind.Put).Select(o => o.Id)];
            if (mutable.Length == 0)
            {
                continue;
            }

            int victim = random.Pick(mutable);
            history[victim] = HistoryGenerator.Mutate(random, history[victim]);

            LinearizabilityResult result = new LinearizabilityChecker().Check(history);

            Assert.True(result.Verdict == LinearizabilityVerdict.NotLinearizable, $"seed {seed}: mutated #{victim} {history[victim]} was accepted");
        }
    }

    [Fact]
    public void RejectsMostConcurrentHistoriesWithOneMutatedOutput()
    {
        int rejected = 0;
        int total = 0;
        for (ulong seed = 1; seed <= 200; seed++)
        {
            var random = new SimRandom(seed);
            List<HistoryOperation> history = HistoryGenerator.Generate(random, clients: 5, operations: 60, keys: 2, unknownRate: 0.05, sequential: false);
            int[] mutable = [.. history.Where(o => o.OutcomeKnown && o.Input.Kind != KvOperationKind.Put).Select(o => o.Id)];
            int victim = random.Pick(mutable);
            history[victim] = HistoryGenerator.Mutate(random, history[victim]);

            LinearizabilityResult result = new LinearizabilityChecker().Check(history);

            Assert.NotEqual(LinearizabilityVerdict.Inconclusive, result.Verdict);
            total++;
            rejected += result.Verdict == LinearizabilityVerdict.NotLinearizable ? 1 : 0;
        }

        Assert.True(rejected * 10 >= total * 7, $"only {rejected} of {total} mutated histories rejected");
    }

    [Fact]
    public void ChecksAFewHundredOperationsFromTenClientsOnOneKeyWellUnderASecond()
    {
        var random = new SimRandom(42);
        List<HistoryOperation> history = HistoryGenerator.Generate(random, clients: 10, operations: 400, keys: 1, unknownRate: 0.05, sequential: false);
        var watch = Stopwatch.StartNew();

        LinearizabilityResult result = new LinearizabilityChecker().Check(history);

        watch.Stop();
        Assert.True(result.IsLinearizable, result.Explanation);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
    }
}
