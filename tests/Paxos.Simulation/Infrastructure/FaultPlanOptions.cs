namespace Paxos.Simulation.Infrastructure;

/// <summary>The bounds within which a seed chooses a <see cref="FaultPlan"/>.</summary>
/// <param name="NodeCount">Cluster size.</param>
/// <param name="Duration">Virtual length of the run.</param>
/// <param name="QuietPeriod">Length of the fault-free end of the run (network healed, every node up).</param>
/// <param name="LeaseDuration">The leader lease; pauses are chosen longer than it.</param>
/// <param name="MaxClockDrift">The drift bound the lease assumes; drifts stay within ±this rate.</param>
/// <param name="MaxEpisodes">At most this many fault episodes (a partition and its heal, a crash and its restart, ...).</param>
/// <param name="TornWrites">Whether crashes may tear the last unsynced write.</param>
public sealed record FaultPlanOptions(
    int NodeCount,
    TimeSpan Duration,
    TimeSpan QuietPeriod,
    TimeSpan LeaseDuration,
    double MaxClockDrift,
    int MaxEpisodes,
    bool TornWrites)
{
    /// <summary>Defaults for a cluster of <paramref name="nodeCount"/>: 20 s runs with 5 s of quiet, 1 s leases, ±1% drift.</summary>
    public static FaultPlanOptions For(int nodeCount) =>
        new(nodeCount, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), 0.01, 12, TornWrites: true);
}
