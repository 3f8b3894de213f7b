using System.Text;
using Paxos.Simulation.Checking;
using Paxos.Simulation.Infrastructure;
using Paxos.Simulation.Running;

namespace Paxos.Simulation.SelfCheck;

/// <summary>
/// The scenario the simulator runs until the Multi-Paxos core is plugged in: node 0 is a
/// single-copy key-value server with a write-ahead log on its <see cref="SimDisk"/>, nodes 1..N-1
/// are clients, all talking through a faulty <see cref="SimNetwork{TMessage}"/> under a seeded
/// <see cref="FaultPlan"/> (partitions, crashes with torn writes, restarts, pauses, clock drift).
/// Checks: the client history is linearizable, and every client completes an operation in the
/// quiet period. This is a real test of the simulation infrastructure and checker, not of Paxos:
/// it has no replication, so a crashed or cut-off server simply makes clients wait.
/// </summary>
public static class SelfCheckScenario
{
    private const int TraceCapacity = 300;

    /// <summary>The planted bugs this scenario can express; the others need the consensus core.</summary>
    public static IReadOnlyList<PlantedBug> SupportedBugs { get; } =
        [PlantedBug.None, PlantedBug.StaleRead, PlantedBug.AckBeforeFsync, PlantedBug.SkipRecovery];

    /// <summary>Runs one seed.</summary>
    public static SimulationResult Run(SimulationRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!SupportedBugs.Contains(options.Bug))
        {
            throw new ArgumentException($"the self-check scenario cannot plant {PlantedBugs.NameOf(options.Bug)}", nameof(options));
        }

        RunState run = Simulate(options, until: null);
        LinearizabilityResult linearizability = new LinearizabilityChecker().Check(run.Env.History.Operations);
        string? failure = Describe(linearizability)
            ?? CheckProgress(run.Env.History.Operations, options.NodeCount, run.Plan.QuietFrom);
        IReadOnlyList<string> trace = [];
        if (failure is not null)
        {
            // The run is a function of the seed: replay it up to the moment the violation became
            // visible, so the trace shows the events that led to it rather than the end of the run.
            TimeSpan? visibleAt = ViolationVisibleAt(linearizability);
            trace = visibleAt is null ? run.Trace.Lines() : Simulate(options, visibleAt).Trace.Lines();
        }

        return new SimulationResult(
            failure is null,
            run.Env.History.Count,
            run.Network.Counters.FaultsInjected + run.Injector.Injected,
            run.Env.Scheduler.Now,
            failure,
            trace);
    }

    private static RunState Simulate(SimulationRunOptions options, TimeSpan? until)
    {
        var random = new SimRandom(options.Seed);
        FaultPlanOptions planOptions = FaultPlanOptions.For(options.NodeCount);
        FaultPlan plan = FaultPlan.Generate(random.Fork(), planOptions);
        var scheduler = new EventScheduler();
        var trace = new TraceLog(scheduler.Clock, TraceCapacity);
        var env = new RegisterEnvironment(scheduler, trace, random.Fork(), options.Bug, planOptions.Duration - TimeSpan.FromSeconds(1));
        var network = new SimNetwork<RegisterMessage>(options.NodeCount, scheduler, random.Fork(), NetworkFaultRates.None, trace);
        env.Network = network;
        var cluster = new SimCluster<RegisterNode>(options.NodeCount, scheduler, random.Fork(), trace, context =>
        {
            RegisterNode node = context.NodeId == 0 ? new RegisterServer(context, env) : new RegisterClient(context, env);
            scheduler.ScheduleAfter(TimeSpan.Zero, () => env.Cluster.Deliver(context.NodeId, n => n.Start()));
            return node;
        })
        {
            IsLeader = node => node is RegisterServer,
        };
        env.Cluster = cluster;
        for (int i = 0; i < options.NodeCount; i++)
        {
            int node = i;
            network.SetReceiver(node, (from, message) => cluster.Deliver(node, n => n.Receive(from, message)));
        }

        var injector = new FaultInjector<RegisterMessage>(scheduler, network, cluster, trace);
        injector.Schedule(plan);
        scheduler.RunUntil(until ?? planOptions.Duration);
        return new RunState(env, network, injector, plan, trace);
    }

    private static TimeSpan? ViolationVisibleAt(LinearizabilityResult result) => result.Keys
        .Where(k => k.Verdict == LinearizabilityVerdict.NotLinearizable)
        .Select(k => k.Window.Max(o => o.Completed))
        .Min();

    private static string? Describe(LinearizabilityResult result) => result.Verdict switch
    {
        LinearizabilityVerdict.Linearizable => null,
        LinearizabilityVerdict.NotLinearizable => "Client history is NOT linearizable:" + Environment.NewLine + result.Explanation,
        _ => "Linearizability check was inconclusive (effort bound reached):" + Environment.NewLine + result.Explanation,
    };

    private static string? CheckProgress(IReadOnlyList<HistoryOperation> history, int nodeCount, TimeSpan quietFrom)
    {
        var stuck = new StringBuilder();
        for (int client = 1; client < nodeCount; client++)
        {
            if (!history.Any(o => o.Client == client && o.Invoked >= quietFrom && o.OutcomeKnown))
            {
                stuck.Append(" c").Append(client);
            }
        }

        return stuck.Length == 0 ? null : $"No progress in the quiet period (from t={quietFrom.TotalSeconds:0.000}s): clients{stuck} completed no operation";
    }

    private sealed record RunState(RegisterEnvironment Env, SimNetwork<RegisterMessage> Network, FaultInjector<RegisterMessage> Injector, FaultPlan Plan, TraceLog Trace);
}
