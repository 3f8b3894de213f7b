using System.Globalization;
using System.Numerics;
using System.Text;
using Paxos.Checking;
using Paxos.Core.Replication;
using Paxos.Simulation.Infrastructure;
using Paxos.Simulation.Running;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// The simulator's scenario: N replicas (<see cref="SimReplica"/>: the production replica node, its
/// core, write-ahead log, snapshot store and key-value state machine, on simulated disks) and <see cref="Clients"/> clients,
/// under a seeded <see cref="FaultPlan"/> (message drops, duplicates, delays and reordering;
/// symmetric, one-way, isolate-the-leader and minority/majority partitions; crashes and restarts of
/// single nodes and of all nodes with disks that lose unsynced writes and tear the last one; failed
/// fsyncs and full disks (<see cref="ScheduleDiskFaults"/>); clock drift; pauses longer than a
/// lease; and in some seeds (<see cref="ScheduleRareFaults"/>) one slow disk, clock jumps, a bit
/// flipped on a disk, snapshots damaged on their way; and in one seed in ten values of the
/// contract's maximum size (<see cref="WritesMaximumSizeValues"/>)),
/// then a quiet period. The core's limits vary per seed
/// (<see cref="ReplicaTuning"/>). Checks: agreement and applied prefixes (<see cref="SafetyMonitor"/>,
/// as the run goes), the core's own invariants (reported by the node that hit one),
/// linearizability of the client history (which ends with a read of every key, so a lost
/// acknowledged write is caught; Txns and lease ends included), that no lease expired before the TTL
/// after an acknowledged grant or keep-alive (<see cref="LeaseExpiryCheck"/>; each node runs the
/// production lease keeper on its local clock), that every node's watches report exactly the chosen
/// log's changes (<see cref="WatchMonitor"/>), and liveness: every operation invoked from
/// <see cref="LivenessGrace"/> into the quiet period completes within <see cref="SimClient.GiveUpAfter"/>,
/// and by the end of the run every replica has applied the same prefix and holds no accepted entry
/// past it, and the replicas that applied the same slots hold the same data (in every fourth seed
/// the clients stop when the faults do, so the quiet period is idle).
/// With membership changes, the last two nodes start as joiners and nodes are added, promoted and
/// removed while the faults run (<see cref="ScheduleMembershipChanges"/>); convergence is then
/// required of the final membership's members.
/// </summary>
public static class PaxosScenario
{
    /// <summary>Clients per run.</summary>
    public const int Clients = 4;

    /// <summary>After the quiet period starts, the time allowed for recovery before liveness is required.</summary>
    public static readonly TimeSpan LivenessGrace = TimeSpan.FromSeconds(1);

    private const int TraceCapacity = 600;

    /// <summary>The fault plan bounds of a run of <paramref name="nodeCount"/> nodes: 15 s with 6 s of quiet.</summary>
    public static FaultPlanOptions PlanOptions(int nodeCount) => FaultPlanOptions.For(nodeCount) with
    {
        Duration = TimeSpan.FromSeconds(15),
        QuietPeriod = TimeSpan.FromSeconds(6),
        LeaseDuration = TimeSpan.FromMilliseconds(500),
        MaxEpisodes = 10,
    };

    /// <summary>
    /// True for every fourth seed: its clients stop as the faults do instead of 3 s before the end, so
    /// the whole quiet period is idle, and a slot that only a deposed leader's proposals reached is
    /// decided by the leader's own rules or not at all (<see cref="CheckConvergence"/>).
    /// </summary>
    public static bool IdlesTheQuietPeriod(ulong seed) => seed % 4 == 0;

    /// <summary>
    /// True for one seed in ten: its clients write values of the contract's maximum size (1 MiB) now
    /// and then. Decided by the seed alone, so that no other choice of the run moves.
    /// </summary>
    public static bool WritesMaximumSizeValues(ulong seed) => seed / 4 % 10 == 7;

    /// <summary>Runs one seed; on failure, replays it with every message traced up to the violation.</summary>
    public static SimulationResult Run(SimulationRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        RunState run = Simulate(options, traceMessages: false, until: null);
        string? failure = run.Failure;
        TimeSpan? visibleAt = null;
        if (failure is null)
        {
            LinearizabilityResult linearizability = new LinearizabilityChecker().Check(run.World.History.Operations);
            failure = Describe(linearizability)
                ?? new LeaseExpiryCheck(PlanOptions(options.NodeCount).MaxClockDrift, run.World.Cluster.ForwardClockJumps).Check(run.World.History.Operations)
                ?? CheckLiveness(run.World.History.Operations, run.Plan.QuietFrom) ?? CheckConvergence(run.World);
            visibleAt = ViolationVisibleAt(linearizability);
        }

        IReadOnlyList<string> trace = [];
        if (failure is not null)
        {
            failure += Environment.NewLine + $"Core limits: {run.World.Tuning}" + Environment.NewLine + DescribePlan(run.Plan);
            trace = Simulate(options, traceMessages: true, until: visibleAt).Trace.Lines();
        }

        return new SimulationResult(
            failure is null,
            run.World.History.Count,
            run.World.PeerNetwork.Counters.FaultsInjected + run.World.ClientNetwork.Counters.FaultsInjected + run.Injector.Injected,
            run.World.Scheduler.Now,
            failure,
            trace,
            run.World.CompletedTransfers,
            run.World.CompletedMembershipChanges,
            Coverage(run))
        {
            Events = Events(run.World),
        };
    }

    /// <summary>
    /// Every 100 to 800 ms until the clients stop, whichever replicas believe they lead are asked to
    /// hand over to a random node (the last seconds stay quiet, so that the replicas can converge).
    /// </summary>
    private static void ScheduleTransfers(PaxosWorld world, SimRandom random, TimeSpan until)
    {
        for (TimeSpan at = TimeSpan.FromMilliseconds(random.NextInt(100, 800)); at < until; at += TimeSpan.FromMilliseconds(random.NextInt(100, 800)))
        {
            int successor = random.NextInt(0, world.NodeCount);
            world.Scheduler.Schedule(at, () =>
            {
                for (int node = 0; node < world.NodeCount; node++)
                {
                    if (world.Cluster.Node(node)?.IsLeader == true)
                    {
                        world.Cluster.Deliver(node, replica => replica.TransferLeadership(successor));
                    }
                }
            });
        }
    }

    /// <summary>
    /// Every 100 to 600 ms until the faults stop, a membership change is asked of a node that
    /// believes it leads (or of a random node, which refuses): add the next joiner as a learner,
    /// promote a learner, or remove a member (a learner, or a voter while at least three remain, so
    /// that the faults of the plan can be survived). Removed nodes keep running, as a node cut off
    /// from its removal would, and numbers are never reused, so each run adds at most two nodes.
    /// </summary>
    private static void ScheduleMembershipChanges(PaxosWorld world, SimRandom random, TimeSpan until)
    {
        for (TimeSpan at = TimeSpan.FromMilliseconds(random.NextInt(100, 600)); at < until; at += TimeSpan.FromMilliseconds(random.NextInt(100, 600)))
        {
            int roll = random.NextInt(100);
            int pick = random.NextInt(Membership.MaxNumbers);
            int fallback = random.NextInt(world.NodeCount);
            world.Scheduler.Schedule(at, () =>
            {
                int asked = Enumerable.Range(0, world.NodeCount).FirstOrDefault(node => world.Cluster.Node(node)?.IsLeader == true, fallback);
                if (world.Cluster.Node(asked) is not { } replica)
                {
                    return;
                }

                MembershipChange? change = ChooseChange(replica.Membership, world.NodeCount, roll, pick);
                if (change is not null)
                {
                    world.Cluster.Deliver(asked, node => node.ChangeMembership(change,
                        done =>
                        {
                            world.CompletedMembershipChanges++;
                            world.Trace.Add($"membership change {change.Kind} done: {done}");
                        },
                        failed => world.Trace.Add($"membership change {change.Kind} failed: {failed}")));
                }
            });
        }
    }

    private static MembershipChange? ChooseChange(Membership current, int nodeCount, int roll, int pick)
    {
        Member[] learners = [.. current.Members.Where(member => !member.IsVoter)];
        Member[] removable = [.. current.Members.Where(member => !member.IsVoter || BitOperations.PopCount(current.Voters) > 1)];
        if (current.Members.Count == 0)
        {
            return null; // a joiner that knows nothing yet
        }

        if (roll < 40 && current.NextNumber < nodeCount)
        {
            return MembershipChange.AddLearner($"n{current.NextNumber}", string.Empty);
        }

        if (roll < 75 && learners.Length > 0)
        {
            return MembershipChange.Promote(learners[pick % learners.Length].Number);
        }

        return removable.Length > 0 ? MembershipChange.Remove(removable[pick % removable.Length].Number) : null;
    }

    /// <summary>
    /// Up to two failed fsyncs, and in every other seed a full disk for 0.1 to 0.8 s, each on a random
    /// node during the first two thirds of the fault period: the node stops without acknowledging what
    /// it did not make durable and comes back once its disk works, while the others carry on.
    /// </summary>
    private static void ScheduleDiskFaults(PaxosWorld world, FaultInjector<PeerPacket> injector, SimRandom random, TimeSpan quietFrom)
    {
        TimeSpan until = quietFrom * 2 / 3;
        for (int i = random.NextInt(3); i > 0; i--)
        {
            var fault = new FsyncFailureFault(random.NextInt(world.NodeCount));
            world.Scheduler.Schedule(random.NextDuration(TimeSpan.FromMilliseconds(500), until), () => injector.Apply(fault));
        }

        if (random.Chance(0.5))
        {
            var fault = new DiskFullFault(random.NextInt(world.NodeCount), random.NextDuration(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(800)));
            world.Scheduler.Schedule(random.NextDuration(TimeSpan.FromMilliseconds(500), until), () => injector.Apply(fault));
        }
    }

    /// <summary>
    /// Faults that only some seeds get, each chosen from its own draw so that the others' schedules
    /// stay as they were: one slow disk (every fsync 1 to 40 ms) for the whole run; one to three clock
    /// jumps of 50 ms to 3 s forward (the node's clocks are monotonic, as Stopwatch's is: they never
    /// step back, but one steps forward when its VM is resumed or migrated); a bit flipped on the disk of a crashed node, which must
    /// refuse to start if a checksum finds it (without membership changes, where every node but one
    /// always suffices); snapshots damaged on their way, each with probability 5 to 50% until the
    /// quiet period (always 50%, with isolations that make nodes need snapshots, when a transfer's
    /// checksums are planted away). A planted bug whose <see cref="PlantBias"/> crafts an interleaving
    /// runs it without them: random faults on top would break the interleaving it needs.
    /// </summary>
    private static void ScheduleRareFaults(PaxosWorld world, FaultInjector<PeerPacket> injector, SimRandom random, TimeSpan quietFrom, SimulationRunOptions options, bool craftedSchedule)
    {
        if (craftedSchedule)
        {
            world.Trace.Add("the planted bug's crafted schedule runs without the rarer faults");
            return;
        }

        var faults = new List<ScheduledFault>();
        if (random.Chance(0.25))
        {
            faults.Add(new(TimeSpan.Zero, new SlowDiskFault(random.NextInt(world.NodeCount), random.NextDuration(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(40)))));
        }

        if (random.Chance(0.3))
        {
            for (int i = random.NextInt(1, 4); i > 0; i--)
            {
                TimeSpan jump = random.NextDuration(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(3));
                faults.Add(new(random.NextDuration(TimeSpan.Zero, quietFrom), new ClockJumpFault(random.NextInt(world.NodeCount), jump)));
            }
        }

        if (!options.MembershipChanges && random.Chance(0.2))
        {
            int node = random.NextInt(world.NodeCount);
            TimeSpan at = random.NextDuration(TimeSpan.FromMilliseconds(500), quietFrom * 2 / 3);
            faults.Add(new(at, new DiskDamageFault(node)));
            faults.Add(new(at + random.NextDuration(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(500)), new RestartFault(node)));
        }

        bool trustPlanted = options.Bug == PlantedBug.TrustSnapshotInTransit;
        if (trustPlanted || random.Chance(0.3))
        {
            world.PeerNetwork.CorruptRate = trustPlanted ? 0.5 : random.NextDouble(0.05, 0.5);
            world.PeerNetwork.Damage = (packet, damage) => packet is SnapshotPacket snapshot && (snapshot.Content.Length > 0 || snapshot.Metadata.Length > 0) ? snapshot.Damaged(damage) : null;
            world.Scheduler.Schedule(quietFrom, () => world.PeerNetwork.CorruptRate = 0);
            world.Trace.Add($"snapshots are damaged on their way with probability {world.PeerNetwork.CorruptRate:P0} until the quiet period");
        }

        if (trustPlanted)
        {
            for (int i = 0; i < 3; i++)
            {
                TimeSpan at = random.NextDuration(TimeSpan.FromSeconds(1), quietFrom - TimeSpan.FromSeconds(2));
                faults.Add(new(at, new IsolateNodeFault(random.NextInt(world.NodeCount))));
                faults.Add(new(at + random.NextDuration(TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(1500)), new HealFault()));
            }
        }

        foreach (ScheduledFault fault in faults)
        {
            world.Scheduler.Schedule(fault.At, () =>
            {
                world.Count(fault.Fault switch
                {
                    SlowDiskFault => "slow disks",
                    ClockJumpFault => "clock jumps",
                    DiskDamageFault => "disks damaged",
                    IsolateNodeFault => "isolations",
                    _ => "restarts",
                });
                injector.Apply(fault.Fault);
            });
        }
    }

    /// <summary>
    /// Runs one simulation without a synchronization context (a test runner's would send the lease
    /// keeper's await continuations to other threads instead of running them inline, in the step
    /// that completes their task).
    /// </summary>
    private static RunState Simulate(SimulationRunOptions options, bool traceMessages, TimeSpan? until)
    {
        SynchronizationContext? context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            return SimulateInline(options, traceMessages, until);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    private static RunState SimulateInline(SimulationRunOptions options, bool traceMessages, TimeSpan? until)
    {
        var random = new SimRandom(options.Seed);
        FaultPlanOptions planOptions = PlanOptions(options.NodeCount);
        FaultPlan plan = FaultPlan.Generate(random.Fork(), planOptions);
        var scheduler = new EventScheduler();
        var trace = new TraceLog(scheduler.Clock, TraceCapacity);
        int n = options.NodeCount;
        var world = new PaxosWorld(scheduler, trace, random.Fork(), options.Bug, n, ReplicaTuning.Choose(random.Fork()), options.PreVote)
        {
            FoundingNodes = options.MembershipChanges ? Math.Max(1, n - 2) : n,
            MaximumSizeValues = WritesMaximumSizeValues(options.Seed),
        };
        world.Chosen = new ChosenLog(world);
        trace.Add($"core limits: {world.Tuning}");
        TraceLog? messageTrace = traceMessages ? trace : null;
        world.PeerNetwork = new SimNetwork<PeerPacket>(n, scheduler, random.Fork(), NetworkFaultRates.None, messageTrace);
        world.ClientNetwork = new SimNetwork<ClientPacket>(n + Clients, scheduler, random.Fork(), NetworkFaultRates.None, messageTrace);
        world.Cluster = new SimCluster<SimReplica>(n, scheduler, random.Fork(), trace, context =>
        {
            SimReplica? node = SimReplica.Start(context, world);
            if (node is not null)
            {
                scheduler.ScheduleAfter(TimeSpan.Zero, () => world.Cluster.Deliver(context.NodeId, started => started.Start()));
            }

            return node;
        })
        {
            IsLeader = node => node.IsLeader,
        };

        var injector = new FaultInjector<PeerPacket>(scheduler, world.PeerNetwork, world.Cluster, trace);
        SimRandom clientRandom = random.Fork();
        (IReadOnlyList<ScheduledFault> extraFaults, TimeSpan? biasedStop) = PlantBias.For(options.Bug, random.Fork(), planOptions);
        TimeSpan stopAt = biasedStop ?? (IdlesTheQuietPeriod(options.Seed) ? plan.QuietFrom : planOptions.Duration - TimeSpan.FromSeconds(3));
        for (int i = 0; i < n; i++)
        {
            int node = i;
            world.PeerNetwork.SetReceiver(node, (from, packet) => world.Cluster.Deliver(node, replica => replica.ReceivePeer(from, packet)));
            world.ClientNetwork.SetReceiver(node, (_, packet) => world.Cluster.Deliver(node, replica => replica.ReceiveClient((ClientRequest)packet)));
        }

        for (int c = 0; c < Clients; c++)
        {
            var client = new SimClient(c, world, clientRandom.Fork(), stopAt, abandonAtStop: biasedStop is not null);
            world.ClientNetwork.SetReceiver(world.ClientEndpoint(c), (from, packet) => client.Receive(from, (ClientResponse)packet));
            client.Start();
        }

        var watches = new WatchMonitor(world, random.Fork());
        watches.Start();
        injector.Schedule(plan);
        foreach (ScheduledFault extra in extraFaults)
        {
            scheduler.Schedule(extra.At, () => injector.Apply(extra.Fault));
        }

        if (options.LeaderTransfers)
        {
            ScheduleTransfers(world, random.Fork(), stopAt);
        }

        ScheduleDiskFaults(world, injector, random.Fork(), plan.QuietFrom);
        if (options.MembershipChanges)
        {
            ScheduleMembershipChanges(world, random.Fork(), plan.QuietFrom);
        }

        world.ClientNetwork.Rates = plan.NetworkRates;
        scheduler.Schedule(plan.QuietFrom, () => world.ClientNetwork.Rates = NetworkFaultRates.None);
        ScheduleRareFaults(world, injector, random.Fork(), plan.QuietFrom, options, craftedSchedule: extraFaults.Count > 0);

        string? failure = null;
        try
        {
            scheduler.RunUntil(until ?? planOptions.Duration);
        }
        catch (SafetyViolationException e)
        {
            failure = string.Create(CultureInfo.InvariantCulture, $"Safety violated at t={scheduler.Now.TotalSeconds:0.000000}s: {e.Message}");
        }

        trace.Add($"watches checked {watches.Batches} batches of {world.Chosen.ChangeCount} changed indexes; skipped {watches.CompactedIndexes} compacted indexes; resumed {watches.Resumes} times");
        return new RunState(world, injector, plan, trace, failure, watches);
    }

    private static WorkloadCoverage Coverage(RunState run)
    {
        IReadOnlyList<HistoryOperation> history = run.World.History.Operations;
        long Count(KvOperationKind kind, Func<KvOutput, bool> acknowledged) => history.Count(op => op.Input.Kind == kind && op.Output is { } output && acknowledged(output));
        return new WorkloadCoverage(
            Count(KvOperationKind.Txn, output => output.Succeeded),
            Count(KvOperationKind.Txn, output => !output.Succeeded),
            Count(KvOperationKind.LeaseGrant, _ => true),
            Count(KvOperationKind.LeaseKeepAlive, output => output.Found),
            Count(KvOperationKind.LeaseRevoke, _ => true),
            Count(KvOperationKind.LeaseExpire, _ => true),
            run.Watches.Batches,
            run.Watches.Resumes,
            run.Watches.CompactedIndexes);
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

    /// <summary>Every operation invoked once the quiet period has lasted <see cref="LivenessGrace"/> must complete.</summary>
    private static string? CheckLiveness(IReadOnlyList<HistoryOperation> history, TimeSpan quietFrom)
    {
        TimeSpan from = quietFrom + LivenessGrace;
        List<HistoryOperation> stuck = [.. history.Where(o => o.Invoked >= from && !o.OutcomeKnown)];
        if (stuck.Count == 0)
        {
            return null;
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"LIVENESS violated: {stuck.Count} operation(s) invoked after t={from.TotalSeconds:0.000}s (quiet period + {LivenessGrace.TotalSeconds:0.0}s) did not complete within {SimClient.GiveUpAfter.TotalSeconds:0.0}s:");
        foreach (HistoryOperation op in stuck.Take(5))
        {
            text.AppendLine().Append("  ").Append(op);
        }

        return text.ToString();
    }

    /// <summary>
    /// By the end of the quiet period (the clients stopped 3 s before it, or as it began) every replica has applied the
    /// same prefix, and none holds an accepted entry past it: catch-up and snapshot transfer work, and
    /// every slot any replica accepted was decided, even those only a deposed leader's proposals reached.
    /// </summary>
    private static string? CheckConvergence(PaxosWorld world)
    {
        // The members of the newest membership any replica applied: a removed node, or a joiner never
        // added, is told nothing and need not converge.
        Membership? newest = Enumerable.Range(0, world.NodeCount).Select(n => world.Cluster.Node(n)?.Membership)
            .OfType<Membership>().MaxBy(membership => membership.Slot);

        // A node that refused to start on its damaged disk waits for an operator; the others must converge.
        int[] members = [.. Enumerable.Range(0, world.NodeCount)
            .Where(n => newest is null || newest.IsMember(n))
            .Where(n => world.Cluster.IsUp(n) || !world.Cluster.Disk(n).Damaged)];
        ulong[] applied = [.. members.Select(n => world.Cluster.Node(n)?.AppliedSlot ?? 0)];
        ulong[] accepted = [.. members.Select(n => world.Cluster.Node(n)?.LastAcceptedSlot ?? 0)];
        if (applied.Distinct().Count() != 1 || accepted.Max() > applied[0])
        {
            return "LIVENESS violated: the replicas did not converge by the end of the quiet period; applied (last accepted) slots: "
                + string.Join(", ", applied.Select((slot, i) => $"n{members[i]}={slot} ({accepted[i]})"));
        }

        string[] digests = [.. members.Select(n => world.Cluster.Node(n)?.StateDigest ?? "down")];
        return digests.Distinct(StringComparer.Ordinal).Count() == 1
            ? null
            : "SAFETY violated: replicas that applied the same slots hold different data:"
                + string.Concat(digests.Select((digest, i) => $"{Environment.NewLine}  n{members[i]}: {digest}"));
    }

    private static Dictionary<string, long> Events(PaxosWorld world)
    {
        var events = new Dictionary<string, long>(world.Events, StringComparer.Ordinal)
        {
            ["snapshots damaged on the way"] = world.PeerNetwork.Counters.Corrupted,
            ["starts refused on a damaged disk"] = world.Cluster.RefusedStarts,
        };
        return events.Where(e => e.Value > 0).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
    }

    private static string DescribePlan(FaultPlan plan)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Fault plan: network {plan.NetworkRates}; quiet from t={plan.QuietFrom.TotalSeconds:0.000}s");
        foreach (ScheduledFault fault in plan.Faults)
        {
            text.AppendLine().Append("  ").Append(fault);
        }

        return text.ToString();
    }

    private sealed record RunState(PaxosWorld World, FaultInjector<PeerPacket> Injector, FaultPlan Plan, TraceLog Trace, string? Failure, WatchMonitor Watches);
}
