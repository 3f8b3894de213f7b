using Xunit.Abstractions;

namespace Paxos.Core.Tests.Replication;

/// <summary>
/// Randomized whole-cluster runs: safety is checked after every step (inside
/// <see cref="SimulatedCluster"/>), liveness once the faults stop.
/// </summary>
public sealed class ClusterSimulationTests
{
    private const int StepsPerSeed = 5000;
    private const int LivenessTicks = 100;

    public static TheoryData<int, int, int> SeedRanges() => new()
    {
        { 3, 0, 500 },
        { 3, 500, 500 },
        { 5, 0, 300 },
        { 5, 300, 300 },
    };

    private readonly ITestOutputHelper output;

    public ClusterSimulationTests(ITestOutputHelper output)
    {
        this.output = output;
    }

    [Theory]
    [MemberData(nameof(SeedRanges))]
    public void SafeUnderFaultsAndLiveAfterThem(int clusterSize, int firstSeed, int seedCount)
    {
        long chosen = 0, crashes = 0, snapshots = 0, reads = 0, elections = 0;
        int slowestRecovery = 0;
        for (int seed = firstSeed; seed < firstSeed + seedCount; seed++)
        {
            (SimulatedCluster cluster, int recoveryTicks) = RunSeed(clusterSize, seed);
            slowestRecovery = Math.Max(slowestRecovery, recoveryTicks);
            chosen += cluster.ChosenSlots;
            crashes += cluster.Crashes;
            snapshots += cluster.SnapshotsInstalled;
            reads += cluster.ReadsServed;
            elections += cluster.LeadershipChanges;
        }

        output.WriteLine(
            $"{seedCount} seeds: {chosen} slots chosen, {elections} leaders elected, {crashes} crashes, "
            + $"{snapshots} snapshots installed, {reads} reads served, slowest recovery {slowestRecovery} ticks");
        Assert.True(chosen > 10 * seedCount, "the faulty runs choose values");
        Assert.True(crashes > seedCount, "the faulty runs crash nodes");
        Assert.True(snapshots > 0, "the faulty runs install snapshots");
        Assert.True(reads > seedCount, "the faulty runs serve reads");
    }

    private static (SimulatedCluster Cluster, int RecoveryTicks) RunSeed(int clusterSize, int seed)
    {
        var cluster = new SimulatedCluster(clusterSize, seed);
        try
        {
            for (int step = 0; step < StepsPerSeed; step++)
            {
                cluster.RandomStep();
            }

            byte[][] commands = [cluster.NewCommand(), cluster.NewCommand(), cluster.NewCommand()];
            int ticks = cluster.RunUntilCommitted(commands, LivenessTicks);
            Assert.True(ticks > 0, $"commands not committed within {LivenessTicks} ticks after faults stopped\n{cluster.Describe()}");
            Assert.True(cluster.SingleLeader() >= 0, "no leader after faults stopped");
            return (cluster, ticks);
        }
        catch (Exception e) when (e is not SeedFailedException)
        {
            throw new SeedFailedException($"cluster of {clusterSize}, seed {seed}: {e.Message}", e);
        }
    }

    private sealed class SeedFailedException(string message, Exception inner) : Exception(message, inner);
}
