using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Tests;

/// <summary>
/// Every seed that ever failed, kept as a regression case: the node count, and the planted bug it
/// failed under (<see cref="PlantedBug.None"/> for a real bug found in a clean run). Each must pass
/// without a planted bug; <see cref="PaxosScenarioTests"/> runs them all. Add a seed here whenever a
/// run fails.
/// </summary>
public static class RegressionSeeds
{
    /// <summary>(seed, nodes, the bug planted when it failed).</summary>
    public static TheoryData<ulong, int, PlantedBug> All { get; } = new()
    {
        { 40, 5, PlantedBug.ForgetPromise },
        { 4, 5, PlantedBug.IgnoreAccepted },
        { 20, 5, PlantedBug.AckBeforeFsync },
        { 2, 5, PlantedBug.SkipRecovery },
        { 232, 3, PlantedBug.ForgetPromise },
        { 2, 3, PlantedBug.IgnoreAccepted },
        { 1, 3, PlantedBug.StaleRead },
        { 27, 3, PlantedBug.AckBeforeFsync },
        { 32, 3, PlantedBug.ForgetPromise },
        { 45, 3, PlantedBug.ForgetPromise },
        { 60, 3, PlantedBug.ForgetPromise },
        { 4, 3, PlantedBug.StaleRead },
        { 2, 7, PlantedBug.IgnoreAccepted },
        { 4, 7, PlantedBug.SkipRecovery },
        { 26, 7, PlantedBug.StaleRead },
        { 54, 7, PlantedBug.AckBeforeFsync },
        { 126, 7, PlantedBug.AckBeforeFsync },
        { 1, 5, PlantedBug.AckBeforeFsync },
        { 1, 7, PlantedBug.AckBeforeFsync },
        { 7238, 3, PlantedBug.None }, // retries of writes filled a slow leader's queue, each taking a slot
        { 7111, 5, PlantedBug.None }, // the same, with 1 MiB values
    };
}
