namespace Paxos.Simulation.Infrastructure;

/// <summary>
/// Everything a seed decides about faults, chosen up front: the network's fault rates, and a
/// schedule of episodes — partitions (symmetric, one-way, isolate a node, isolate the leader, split
/// into a minority and a majority) each healed later; crash and restart of a node or of all nodes;
/// clock drift within the bound (some nodes drift from the start); process pauses longer than a lease. No fault strikes after
/// <see cref="QuietFrom"/>: from then on the network is reliable and healed and every node is up.
/// </summary>
public sealed class FaultPlan
{
    private FaultPlan(NetworkFaultRates rates, IReadOnlyList<ScheduledFault> faults, TimeSpan quietFrom)
    {
        NetworkRates = rates;
        Faults = faults;
        QuietFrom = quietFrom;
    }

    /// <summary>The network's fault rates until <see cref="QuietFrom"/>.</summary>
    public NetworkFaultRates NetworkRates { get; }

    /// <summary>The faults, in time order (ties keep generation order).</summary>
    public IReadOnlyList<ScheduledFault> Faults { get; }

    /// <summary>When the quiet period starts.</summary>
    public TimeSpan QuietFrom { get; }

    /// <summary>A plan with no faults at all.</summary>
    public static FaultPlan None(FaultPlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new FaultPlan(NetworkFaultRates.None, [], options.Duration - options.QuietPeriod);
    }

    /// <summary>Chooses a plan from <paramref name="random"/> within <paramref name="options"/>.</summary>
    public static FaultPlan Generate(SimRandom random, FaultPlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.NodeCount, 1);
        TimeSpan quietFrom = options.Duration - options.QuietPeriod;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(quietFrom, TimeSpan.Zero);

        NetworkFaultRates rates = new(
            DropRate: Rate(random, 0.15),
            DuplicateRate: Rate(random, 0.05),
            ReorderRate: Rate(random, 0.10),
            DelayRate: Rate(random, 0.10),
            MinLatency: TimeSpan.FromMilliseconds(1),
            MaxLatency: TimeSpan.FromMilliseconds(random.NextInt(2, 20)),
            MaxExtraDelay: TimeSpan.FromMilliseconds(random.NextInt(10, 500)));

        var faults = new List<ScheduledFault>();
        for (int node = 0; node < options.NodeCount; node++)
        {
            if (random.Chance(0.5))
            {
                faults.Add(new(TimeSpan.Zero, new ClockDriftFault(node, random.NextDouble(-options.MaxClockDrift, options.MaxClockDrift))));
            }
        }

        int episodes = random.NextInt(options.MaxEpisodes + 1);
        for (int i = 0; i < episodes; i++)
        {
            TimeSpan at = random.NextDuration(TimeSpan.Zero, quietFrom);
            TimeSpan end = Min(at + random.NextDuration(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(3)), quietFrom);
            AddEpisode(random, options, faults, at, end);
        }

        return new FaultPlan(rates, [.. faults.OrderBy(f => f.At)], quietFrom);
    }

    private static void AddEpisode(SimRandom random, FaultPlanOptions options, List<ScheduledFault> faults, TimeSpan at, TimeSpan end)
    {
        int n = options.NodeCount;
        int node = random.NextInt(n);
        switch (random.NextInt(9))
        {
            case 0:
                int[] shuffled = [.. Enumerable.Range(0, n)];
                random.Shuffle(shuffled);
                int cut = random.NextInt(1, Math.Max(2, n));
                faults.Add(new(at, new SymmetricPartitionFault([.. shuffled[..cut].Order()], [.. shuffled[cut..].Order()])));
                faults.Add(new(end, new HealFault()));
                break;
            case 1:
                faults.Add(new(at, new OneWayPartitionFault(node, (node + random.NextInt(1, Math.Max(2, n))) % n)));
                faults.Add(new(end, new HealFault()));
                break;
            case 2:
                faults.Add(new(at, new IsolateNodeFault(node)));
                faults.Add(new(end, new HealFault()));
                break;
            case 3:
                faults.Add(new(at, new IsolateLeaderFault()));
                faults.Add(new(end, new HealFault()));
                break;
            case 4:
                int[] order = [.. Enumerable.Range(0, n)];
                random.Shuffle(order);
                int minority = (n - 1) / 2;
                faults.Add(new(at, new SplitFault([[.. order[..minority].Order()], [.. order[minority..].Order()]])));
                faults.Add(new(end, new HealFault()));
                break;
            case 5:
            case 6:
                faults.Add(new(at, new CrashFault(node, options.TornWrites && random.Chance(0.5))));
                faults.Add(new(end, new RestartFault(node)));
                break;
            case 7:
                if (random.Chance(0.3))
                {
                    faults.Add(new(at, new CrashAllFault(options.TornWrites && random.Chance(0.5))));
                    faults.Add(new(end, new RestartAllFault()));
                }
                else
                {
                    faults.Add(new(at, new ClockDriftFault(node, random.NextDouble(-options.MaxClockDrift, options.MaxClockDrift))));
                }

                break;
            default:
                TimeSpan pause = random.NextDuration(options.LeaseDuration * 1.5, options.LeaseDuration * 3);
                faults.Add(new(at, new PauseFault(node, pause)));
                break;
        }
    }

    private static double Rate(SimRandom random, double max) => random.Chance(0.3) ? 0 : random.NextDouble(0, max);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
