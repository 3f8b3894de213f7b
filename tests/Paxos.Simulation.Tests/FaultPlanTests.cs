using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Tests;

public class FaultPlanTests
{
    private static readonly FaultPlanOptions Options = FaultPlanOptions.For(5);

    [Fact]
    public void TheSeedDecidesThePlan()
    {
        FaultPlan a = FaultPlan.Generate(new SimRandom(9), Options);
        FaultPlan b = FaultPlan.Generate(new SimRandom(9), Options);
        FaultPlan c = FaultPlan.Generate(new SimRandom(10), Options);

        Assert.Equal(a.NetworkRates, b.NetworkRates);
        Assert.Equal(a.Faults.Select(f => f.ToString()), b.Faults.Select(f => f.ToString()));
        Assert.NotEqual(a.Faults.Select(f => f.ToString()), c.Faults.Select(f => f.ToString()));
    }

    [Fact]
    public void FaultsStayInsideTheirBoundsAndStopBeforeTheQuietPeriod()
    {
        var kinds = new HashSet<Type>();
        for (ulong seed = 1; seed <= 300; seed++)
        {
            FaultPlan plan = FaultPlan.Generate(new SimRandom(seed), Options);

            Assert.Equal(Options.Duration - Options.QuietPeriod, plan.QuietFrom);
            Assert.Equal(plan.Faults.OrderBy(f => f.At), plan.Faults);
            foreach (ScheduledFault scheduled in plan.Faults)
            {
                kinds.Add(scheduled.Fault.GetType());
                Assert.InRange(scheduled.At, TimeSpan.Zero, plan.QuietFrom);
                switch (scheduled.Fault)
                {
                    case ClockDriftFault drift:
                        Assert.InRange(Math.Abs(drift.Rate), 0, Options.MaxClockDrift);
                        break;
                    case PauseFault pause:
                        Assert.True(pause.Duration > Options.LeaseDuration);
                        break;
                    case SplitFault split:
                        Assert.Equal(2, split.Groups.Count);
                        Assert.Equal(2, split.Groups[0].Count);
                        Assert.Equal(3, split.Groups[1].Count);
                        break;
                }
            }
        }

        Assert.Equal(12, kinds.Count);
    }

    [Fact]
    public void NoFaultPlanHasNoFaults()
    {
        FaultPlan plan = FaultPlan.None(Options);

        Assert.Empty(plan.Faults);
        Assert.Equal(NetworkFaultRates.None, plan.NetworkRates);
    }
}
