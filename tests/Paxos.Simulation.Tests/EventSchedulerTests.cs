using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Tests;

public class EventSchedulerTests
{
    [Fact]
    public void RunsByTimeThenBySchedulingOrderAndMovesTheClock()
    {
        var scheduler = new EventScheduler();
        var order = new List<string>();
        scheduler.Schedule(TimeSpan.FromSeconds(2), () => order.Add("b@2"));
        scheduler.Schedule(TimeSpan.FromSeconds(1), () => order.Add("a@1"));
        scheduler.Schedule(TimeSpan.FromSeconds(2), () => order.Add("c@2"));
        scheduler.Schedule(TimeSpan.FromSeconds(1), () => scheduler.ScheduleAfter(TimeSpan.Zero, () => order.Add("d@1 (scheduled while running)")));

        scheduler.RunUntil(TimeSpan.FromSeconds(10));

        Assert.Equal(["a@1", "d@1 (scheduled while running)", "b@2", "c@2"], order);
        Assert.Equal(TimeSpan.FromSeconds(10), scheduler.Now);
        Assert.Equal(5, scheduler.Executed);
    }

    [Fact]
    public void CancelledEventsNeverRunAndRunUntilStopsAtItsBound()
    {
        var scheduler = new EventScheduler();
        int ran = 0;
        ScheduledEvent cancelled = scheduler.Schedule(TimeSpan.FromSeconds(1), () => ran += 100);
        scheduler.Schedule(TimeSpan.FromSeconds(1), () => ran++);
        scheduler.Schedule(TimeSpan.FromSeconds(5), () => ran += 10);
        cancelled.Cancel();

        scheduler.RunUntil(TimeSpan.FromSeconds(3));

        Assert.Equal(1, ran);
        Assert.Equal(TimeSpan.FromSeconds(3), scheduler.Now);
        Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.Schedule(TimeSpan.FromSeconds(2), () => { }));
    }

    [Fact]
    public void TraceLogKeepsTheLastLinesStampedWithVirtualTime()
    {
        var scheduler = new EventScheduler();
        var trace = new TraceLog(scheduler.Clock, capacity: 3);
        for (int i = 0; i < 5; i++)
        {
            scheduler.Schedule(TimeSpan.FromMilliseconds(1500 + i), () => trace.Add($"event {scheduler.Executed}"));
        }

        scheduler.RunUntil(TimeSpan.FromSeconds(2));
        var text = new StringWriter();
        trace.WriteTo(text);

        Assert.Equal(["t=1.502000s event 3", "t=1.503000s event 4", "t=1.504000s event 5"], trace.Lines());
        Assert.Equal(5, trace.TotalRecorded);
        Assert.Contains("2 earlier events not kept", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DriftingClockRunsFastOrSlowWithoutJumping()
    {
        var scheduler = new EventScheduler();
        var clock = new DriftingClock(scheduler.Clock);
        clock.SetDrift(0.01);
        scheduler.RunUntil(TimeSpan.FromSeconds(100));
        TimeSpan before = clock.Now;

        clock.SetDrift(-0.01);
        TimeSpan after = clock.Now;
        scheduler.RunUntil(TimeSpan.FromSeconds(200));

        Assert.Equal(TimeSpan.FromSeconds(101), before);
        Assert.Equal(before, after);
        Assert.Equal(TimeSpan.FromSeconds(200), clock.Now);
        Assert.Equal(TimeSpan.FromSeconds(100), clock.ToVirtual(TimeSpan.FromSeconds(99)));
    }
}
