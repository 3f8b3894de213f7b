using Paxos.Simulation.Infrastructure;
using Paxos.Storage.Files;

namespace Paxos.Simulation.Tests;

public class DeterminismTests
{
    private sealed class Gossiper(SimNodeContext context)
    {
        public SimNodeContext Context { get; } = context;

        public int Received { get; set; }
    }

    [Fact]
    public void SameSeedGivesTheIdenticalEventTraceUnderEveryKindOfFault()
    {
        IReadOnlyList<string> first = RunGossip(seed: 11);
        IReadOnlyList<string> second = RunGossip(seed: 11);
        IReadOnlyList<string> other = RunGossip(seed: 12);

        Assert.True(first.Count > 1000, $"only {first.Count} trace lines");
        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    /// <summary>Five nodes gossip counters on drifting timers through a faulty network while a seeded fault plan runs.</summary>
    private static IReadOnlyList<string> RunGossip(ulong seed)
    {
        var random = new SimRandom(seed);
        var scheduler = new EventScheduler();
        var trace = new TraceLog(scheduler.Clock, capacity: 100_000);
        var network = new SimNetwork<string>(5, scheduler, random.Fork(), NetworkFaultRates.None, trace);
        SimRandom gossip = random.Fork();
        SimCluster<Gossiper> cluster = null!;
        cluster = new SimCluster<Gossiper>(5, scheduler, random.Fork(), trace, context =>
        {
            scheduler.ScheduleAfter(TimeSpan.Zero, () => Tick(context.NodeId));
            return new Gossiper(context);
        });
        void Tick(int node) => cluster.SetTimer(node, TimeSpan.FromMilliseconds(10), n =>
        {
            SimFileSystem disk = n.Context.Disk;
            using (IFileHandle log = disk.OpenFile("/log", disk.FileExists("/log") ? FileOpenMode.OpenReadWrite : FileOpenMode.CreateNew))
            {
                log.Write([(byte)n.Received], log.Length);
                if (gossip.Chance(0.5))
                {
                    log.FlushToDisk();
                    disk.SyncDirectory("/");
                }
            }

            network.Send(node, gossip.NextInt(5), $"gossip {n.Received} from incarnation {n.Context.Incarnation}");
            Tick(node);
        });

        for (int i = 0; i < 5; i++)
        {
            int node = i;
            network.SetReceiver(node, (from, message) => cluster.Deliver(node, n =>
            {
                n.Received++;
                trace.Add($"n{node} got '{message}' from n{from}; local clock {n.Context.Clock.Now.TotalMilliseconds:0.000}ms");
            }));
        }

        var injector = new FaultInjector<string>(scheduler, network, cluster, trace);
        injector.Schedule(FaultPlan.Generate(random.Fork(), FaultPlanOptions.For(5) with { Duration = TimeSpan.FromSeconds(4), QuietPeriod = TimeSpan.FromSeconds(1) }));
        scheduler.RunUntil(TimeSpan.FromSeconds(4));
        return trace.Lines();
    }
}
