using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// Biases the fault schedule for a planted bug that needs a rare interleaving to show; the checks
/// stay the same. forget-promise only matters when an acceptor restarts while messages of an older
/// leader are still in flight to it, so with that bug a storm of short crash-restarts of single
/// nodes runs through the fault period. ack-before-fsync only loses an acknowledged write when a
/// quorum crashes within a flush interval of it, so with that bug the whole cluster loses power a
/// few times. stale-read only shows when a deposed leader, cut off from the others, still answers
/// reads while a new one takes writes, so with that bug the leader is cut off three times.
/// leave-stranded only leaves a slot undecided when nothing is proposed after it, so
/// with that bug the leader of the moment is cut off from its peers 0.5 to 1 s before the quiet
/// period, the clients stop 20 to 80 ms later and give up the operations they wait for (the cut-off
/// leader proposes their last commands alone, and no retry of them is proposed after those slots:
/// a leader lets a retry of a command it holds wait for that one, so retries no longer outnumber
/// the stranded slots), and the cut heals as the quiet period starts; the lease keepers are off in those runs,
/// since a new leader's keeper proposes its lease epoch at once (<see cref="PaxosWorld.LeasesOn"/>). Other bugs get the seed's plan unchanged;
/// extra faults come on top of the plan.
/// </summary>
internal static class PlantBias
{
    /// <summary>
    /// Faults to schedule on top of the plan (none for most bugs), in time order, all before the quiet
    /// period; and when the clients stop, if the bug needs them to stop earlier than the scenario does.
    /// </summary>
    public static (IReadOnlyList<ScheduledFault> Faults, TimeSpan? ClientsStopAt) For(PlantedBug bug, SimRandom random, FaultPlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(options);
        TimeSpan quietFrom = options.Duration - options.QuietPeriod;
        switch (bug)
        {
            case PlantedBug.ForgetPromise:
                return (CrashRestartStorm(random, options.NodeCount, quietFrom), null);
            case PlantedBug.AckBeforeFsync:
                return (PowerLosses(random, quietFrom), null);
            case PlantedBug.StaleRead:
                return (LeaderIsolations(random, quietFrom), null);
            case PlantedBug.LeaveStranded:
                TimeSpan cutAt = quietFrom - random.NextDuration(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1));
                return ([new(cutAt, new IsolateLeaderFault()), new(quietFrom, new HealFault())],
                    cutAt + random.NextDuration(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(80)));
            default:
                return ([], null);
        }
    }

    /// <summary>Three power losses of the whole cluster, each followed by a restart of every node 20-200 ms later.</summary>
    private static List<ScheduledFault> PowerLosses(SimRandom random, TimeSpan quietFrom)
    {
        var faults = new List<ScheduledFault>();
        for (int i = 0; i < 3; i++)
        {
            TimeSpan at = random.NextDuration(TimeSpan.FromSeconds(1), quietFrom - TimeSpan.FromSeconds(1));
            faults.Add(new(at, new CrashAllFault(TearLastWrite: random.Chance(0.5))));
            faults.Add(new(at + random.NextDuration(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200)), new RestartAllFault()));
        }

        return [.. faults.OrderBy(f => f.At)];
    }

    /// <summary>Three times, the leader of the moment cut off from its peers for 0.5-1.5 s, then the network healed.</summary>
    private static List<ScheduledFault> LeaderIsolations(SimRandom random, TimeSpan quietFrom)
    {
        var faults = new List<ScheduledFault>();
        for (int i = 0; i < 3; i++)
        {
            TimeSpan at = random.NextDuration(TimeSpan.FromSeconds(1), quietFrom - TimeSpan.FromSeconds(2));
            faults.Add(new(at, new IsolateLeaderFault()));
            faults.Add(new(at + random.NextDuration(TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(1500)), new HealFault()));
        }

        return [.. faults.OrderBy(f => f.At)];
    }

    /// <summary>One crash of a random node every 30-150 ms, each restarted 5-60 ms later.</summary>
    private static List<ScheduledFault> CrashRestartStorm(SimRandom random, int nodeCount, TimeSpan quietFrom)
    {
        var faults = new List<ScheduledFault>();
        TimeSpan at = random.NextDuration(TimeSpan.Zero, TimeSpan.FromMilliseconds(300));
        while (at < quietFrom)
        {
            TimeSpan restartAt = at + random.NextDuration(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(60));
            if (restartAt >= quietFrom)
            {
                break;
            }

            int node = random.NextInt(nodeCount);
            faults.Add(new(at, new CrashFault(node, TearLastWrite: false)));
            faults.Add(new(restartAt, new RestartFault(node)));
            at += random.NextDuration(TimeSpan.FromMilliseconds(30), TimeSpan.FromMilliseconds(150));
        }

        return faults;
    }
}
