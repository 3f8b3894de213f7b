using Paxos.Core.Replication;
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

    /// <summary>
    /// Three founders and four nodes that can join: random steps add learners, promote them and
    /// remove members (the leader included, which it refuses) among the same faults.
    /// </summary>
    /// <remarks>Without pre-votes, nodes that missed changes campaign freely: the rules must hold without them.</remarks>
    [Theory]
    [InlineData(0, 400, true)]
    [InlineData(400, 400, false)]
    public void SafeUnderMembershipChangesAndLiveAfterThem(int firstSeed, int seedCount, bool preVote)
    {
        long chosen = 0, changes = 0, promotions = 0;
        ReplicaOptions options = SimulatedCluster.DefaultOptions with { PreVote = preVote };
        for (int seed = firstSeed; seed < firstSeed + seedCount; seed++)
        {
            (SimulatedCluster cluster, _) = RunSeed(7, seed, founders: 3, options);
            chosen += cluster.ChosenSlots;
            changes += cluster.MembershipChangesProposed;
            promotions += cluster.PromotionsProposed;
        }

        output.WriteLine($"{seedCount} seeds: {chosen} slots chosen, {changes} membership changes proposed, {promotions} of them promotions");
        Assert.True(chosen > 10 * seedCount, "the faulty runs choose values");
        Assert.True(changes > seedCount, "the faulty runs change the membership");
        Assert.True(promotions > seedCount / 10, "learners are promoted");
    }

    /// <summary>
    /// The same runs (without pre-votes) find the planted bug stale-membership (a candidate that
    /// ignores a newer chosen membership a promiser reports, and so may run phase 1 in a membership
    /// two changes old) within 50 seeds: the checks above can see a phase 1 in the wrong quorum.
    /// </summary>
    [Fact]
    public void MembershipRunsFindACandidateThatIgnoresANewerMembership()
    {
        ReplicaOptions planted = SimulatedCluster.DefaultOptions with { PlantStaleMembership = true, PreVote = false };
        int? firstFailure = null;
        for (int seed = 0; seed < 50 && firstFailure is null; seed++)
        {
            try
            {
                RunSeed(7, seed, founders: 3, planted);
            }
            catch (SeedFailedException e) when (e.Message.Contains("two different values", StringComparison.Ordinal))
            {
                firstFailure = seed;
            }
        }

        output.WriteLine($"stale-membership found at seed {firstFailure}");
        Assert.NotNull(firstFailure);
    }

    private static (SimulatedCluster Cluster, int RecoveryTicks) RunSeed(int clusterSize, int seed, int? founders = null, ReplicaOptions? template = null)
    {
        var cluster = new SimulatedCluster(clusterSize, seed, template, founders, changeMembership: founders is not null);
        try
        {
            for (int step = 0; step < StepsPerSeed; step++)
            {
                cluster.RandomStep();
            }

            byte[][] commands = [cluster.NewCommand(), cluster.NewCommand(), cluster.NewCommand()];
            int ticks = cluster.RunUntilCommitted(commands, LivenessTicks);
            Assert.True(ticks > 0, $"commands not committed within {LivenessTicks} ticks after faults stopped\n{cluster.Describe()}");
            if (founders is not null && cluster.SingleLeader() < 0)
            {
                // The leader stepped down as a change that removed it took effect: the next command needs a new one.
                Assert.True(cluster.RunUntilCommitted([cluster.NewCommand()], LivenessTicks) > 0, $"no new leader after a leader's removal\n{cluster.Describe()}");
            }

            Assert.True(cluster.SingleLeader() >= 0, $"no leader after faults stopped\n{cluster.Describe()}");
            return (cluster, ticks);
        }
        catch (Exception e) when (e is not SeedFailedException)
        {
            throw new SeedFailedException($"cluster of {clusterSize}, seed {seed}: {e.Message}", e);
        }
    }

    private sealed class SeedFailedException(string message, Exception inner) : Exception(message, inner);
}
