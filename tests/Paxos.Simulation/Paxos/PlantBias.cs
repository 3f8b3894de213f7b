using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// Extra faults scheduled on top of the seed's <see cref="FaultPlan"/> when a planted bug needs a
/// rarer interleaving to show. forget-promise only matters when an acceptor restarts between
/// promising a new ballot and hearing from an older leader, so it gets a storm of short
/// crash-restarts during the fault period. The extra faults come from their own random stream and
/// never reach into the quiet period; the checks stay the same.
/// </summary>
internal static class PlantBias
{
    /// <summary>The extra faults for <paramref name="bug"/> (none for most bugs), in time order.</summary>
    public static IReadOnlyList<ScheduledFault> ExtraFaults(PlantedBug bug, SimRandom random, FaultPlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(options);
        if (bug != PlantedBug.ForgetPromise)
        {
            return [];
        }

        var faults = new List<ScheduledFault>();
        TimeSpan quietFrom = options.Duration - options.QuietPeriod;
        TimeSpan at = random.NextDuration(TimeSpan.Zero, TimeSpan.FromMilliseconds(300));
        while (at < quietFrom)
        {
            int node = random.NextInt(options.NodeCount);
            TimeSpan restartAt = at + random.NextDuration(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(60));
            if (restartAt >= quietFrom)
            {
                break;
            }

            faults.Add(new(at, new CrashFault(node, TearLastWrite: false)));
            faults.Add(new(restartAt, new RestartFault(node)));
            at += random.NextDuration(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400));
        }

        return faults;
    }
}
