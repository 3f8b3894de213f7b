using Paxos.Simulation.Infrastructure;
using Paxos.Storage.Files;

namespace Paxos.Simulation.Tests;

public class SimClusterTests
{
    private sealed class CountingNode(SimNodeContext context)
    {
        public SimNodeContext Context { get; } = context;

        public List<string> Seen { get; } = [];

        public bool Leads { get; set; }
    }

    private readonly EventScheduler _scheduler = new();
    private readonly SimCluster<CountingNode> _cluster;

    public SimClusterTests()
    {
        _cluster = new SimCluster<CountingNode>(3, _scheduler, new SimRandom(1), new TraceLog(_scheduler.Clock), c => new CountingNode(c))
        {
            IsLeader = n => n.Leads,
        };
    }

    [Fact]
    public void CrashDiscardsTheProcessAndItsUnsyncedWritesAndRestartStartsANewIncarnation()
    {
        CountingNode first = _cluster.Node(1)!;
        using (IFileHandle file = first.Context.Disk.OpenFile("/f", FileOpenMode.CreateNew))
        {
            file.Write("kept"u8, 0);
            file.FlushToDisk();
            first.Context.Disk.SyncDirectory("/");
            file.Write("lost"u8, 4);
        }

        _cluster.Crash(1, tearLastWrite: false);

        Assert.False(_cluster.IsUp(1));
        Assert.Null(_cluster.Node(1));
        _cluster.Deliver(1, n => n.Seen.Add("while down"));
        Assert.Equal(1, _cluster.LostToCrashes);

        _cluster.Restart(1);
        CountingNode second = _cluster.Node(1)!;

        Assert.NotSame(first, second);
        Assert.Equal(2, second.Context.Incarnation);
        using IFileHandle kept = second.Context.Disk.OpenFile("/f", FileOpenMode.OpenRead);
        byte[] content = new byte[kept.Length];
        kept.Read(content, 0);
        Assert.Equal("kept"u8.ToArray(), content);
        Assert.Empty(first.Seen);
        Assert.Equal(1, _cluster.Crashes);
        Assert.Equal(1, _cluster.Restarts);
    }

    [Fact]
    public void TimersOfACrashedIncarnationNeverFire()
    {
        _cluster.SetTimer(0, TimeSpan.FromSeconds(1), n => n.Seen.Add("old timer"));
        _cluster.Crash(0, tearLastWrite: false);
        _cluster.Restart(0);
        _cluster.SetTimer(0, TimeSpan.FromSeconds(1), n => n.Seen.Add("new timer"));

        _scheduler.RunUntil(TimeSpan.FromSeconds(2));

        Assert.Equal(["new timer"], _cluster.Node(0)!.Seen);
    }

    [Fact]
    public void PauseHoldsWorkBackUntilItEnds()
    {
        _cluster.Pause(2, TimeSpan.FromSeconds(3));
        _cluster.Deliver(2, n => n.Seen.Add($"message handled at {_scheduler.Now.TotalSeconds}s"));
        _cluster.SetTimer(2, TimeSpan.FromSeconds(1), n => n.Seen.Add($"timer handled at {_scheduler.Now.TotalSeconds}s"));

        _scheduler.RunUntil(TimeSpan.FromSeconds(2));
        Assert.Empty(_cluster.Node(2)!.Seen);
        Assert.True(_cluster.IsPaused(2));

        _scheduler.RunUntil(TimeSpan.FromSeconds(4));
        Assert.Equal(["message handled at 3s", "timer handled at 3s"], _cluster.Node(2)!.Seen);
        Assert.Equal(1, _cluster.Pauses);
    }

    [Fact]
    public void TimersFollowTheNodesDriftingClock()
    {
        _cluster.SetClockDrift(0, 0.25);
        _cluster.SetTimer(0, TimeSpan.FromSeconds(5), n => n.Seen.Add($"fired at {_scheduler.Now.TotalSeconds}s"));

        _scheduler.RunUntil(TimeSpan.FromSeconds(10));

        Assert.Equal(["fired at 4s"], _cluster.Node(0)!.Seen);
    }

    [Fact]
    public void AClockJumpMakesPendingTimersFireThatMuchEarlierOrLater()
    {
        _cluster.SetTimer(0, TimeSpan.FromSeconds(5), n => n.Seen.Add($"fired at {_scheduler.Now.TotalSeconds}s"));
        _cluster.SetTimer(1, TimeSpan.FromSeconds(5), n => n.Seen.Add($"fired at {_scheduler.Now.TotalSeconds}s"));
        _cluster.SetTimer(2, TimeSpan.FromSeconds(1), n => n.Seen.Add($"fired at {_scheduler.Now.TotalSeconds}s"));
        _scheduler.RunUntil(TimeSpan.FromSeconds(1.5));

        _cluster.JumpClock(0, TimeSpan.FromSeconds(2));
        _cluster.JumpClock(1, TimeSpan.FromSeconds(-2));
        _cluster.JumpClock(2, TimeSpan.FromSeconds(10)); // its timer already fired: nothing changes
        _scheduler.RunUntil(TimeSpan.FromSeconds(10));

        Assert.Equal(["fired at 3s"], _cluster.Node(0)!.Seen);
        Assert.Equal(["fired at 7s"], _cluster.Node(1)!.Seen);
        Assert.Equal(["fired at 1s"], _cluster.Node(2)!.Seen);
    }

    [Fact]
    public void AProcessThatRefusesToStartStaysDownAndIsCounted()
    {
        var scheduler = new EventScheduler();
        var cluster = new SimCluster<CountingNode>(2, scheduler, new SimRandom(1), new TraceLog(scheduler.Clock), c => c.Disk.Damaged ? null : new CountingNode(c));

        using (IFileHandle file = cluster.Disk(1).OpenFile("/f", FileOpenMode.CreateNew))
        {
            file.Write("data"u8, 0);
            file.FlushToDisk();
        }

        cluster.Disk(1).SyncDirectory("/");
        cluster.DamageDisk(1);
        cluster.Restart(1);

        Assert.True(cluster.IsUp(0));
        Assert.False(cluster.IsUp(1));
        Assert.Equal(1, cluster.RefusedStarts);
        Assert.Equal(1, cluster.Crashes);
        cluster.Deliver(1, n => n.Seen.Add("never"));
        Assert.Equal(1, cluster.LostToCrashes);
    }

    [Fact]
    public void FaultInjectorAppliesPlanFaultsAndTheQuietPeriod()
    {
        var network = new SimNetwork<string>(3, _scheduler, new SimRandom(2), NetworkFaultRates.None);
        var trace = new TraceLog(_scheduler.Clock);
        var injector = new FaultInjector<string>(_scheduler, network, _cluster, trace);
        _cluster.Node(2)!.Leads = true;

        injector.Apply(new IsolateLeaderFault());
        Assert.False(network.IsConnected(0, 2));
        Assert.True(network.IsConnected(0, 1));

        injector.Apply(new CrashAllFault(TearLastWrite: false));
        Assert.All(Enumerable.Range(0, 3), n => Assert.False(_cluster.IsUp(n)));
        injector.Apply(new RestartFault(1));
        Assert.True(_cluster.IsUp(1));

        injector.Apply(new ClockDriftFault(1, 0.01));
        Assert.Equal(0.01, _cluster.Clock(1).DriftRate);
        TimeSpan before = _cluster.Clock(1).Now;
        injector.Apply(new ClockJumpFault(1, TimeSpan.FromSeconds(3)));
        Assert.Equal(before + TimeSpan.FromSeconds(3), _cluster.Clock(1).Now);
        injector.Apply(new SlowDiskFault(1, TimeSpan.FromMilliseconds(7)));
        Assert.Equal(TimeSpan.FromMilliseconds(7), _cluster.Disk(1).SyncLatency);
        injector.Apply(new DiskDamageFault(1));
        Assert.False(_cluster.IsUp(1));
        injector.Apply(new RestartFault(1));
        Assert.True(_cluster.IsUp(1));

        var plan = FaultPlan.Generate(new SimRandom(3), FaultPlanOptions.For(3));
        injector.Schedule(plan);
        _scheduler.RunUntil(plan.QuietFrom);

        Assert.All(Enumerable.Range(0, 3), n => Assert.True(_cluster.IsUp(n)));
        Assert.All(Enumerable.Range(0, 3), a => Assert.All(Enumerable.Range(0, 3), b => Assert.True(network.IsConnected(a, b))));
        Assert.Equal(NetworkFaultRates.None, network.Rates);
        int planRecoveries = plan.Faults.Count(f => f.Fault is HealFault or RestartFault or RestartAllFault);
        Assert.Equal(6 + plan.Faults.Count - planRecoveries, injector.Injected);
        Assert.Equal(2 + planRecoveries, injector.Recoveries);
        Assert.Contains(trace.Lines(), l => l.Contains("QUIET PERIOD", StringComparison.Ordinal));
    }
}
