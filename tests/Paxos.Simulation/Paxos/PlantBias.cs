using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// Biases the fault schedule for a planted bug that needs a rare interleaving to show; the checks
/// stay the same. forget-promise only matters when an acceptor restarts while messages of an older
/// leader are still in flight to it, so with that bug a storm of short crash-restarts of single
/// nodes (one every 30-150 ms, down for 5-60 ms) runs through the fault period, on top of the
/// seed's plan. Other bugs get the seed's plan unchanged.
/// </summary>
internal static class PlantBias
{
    /// <summary>Faults to schedule on top of the plan (none for most bugs), in time order, all before the quiet period.</summary>
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
            TimeSpan restartAt = at + random.NextDuration(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(60));
            if (restartAt >= quietFrom)
            {
                break;
            }

            int node = random.NextInt(options.NodeCount);
            faults.Add(new(at, new CrashFault(node, TearLastWrite: false)));
            faults.Add(new(restartAt, new RestartFault(node)));
            at += random.NextDuration(TimeSpan.FromMilliseconds(30), TimeSpan.FromMilliseconds(150));
        }

        return faults;
    }
}
