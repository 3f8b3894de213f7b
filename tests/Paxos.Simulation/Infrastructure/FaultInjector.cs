namespace Paxos.Simulation.Infrastructure;

/// <summary>
/// Applies a <see cref="FaultPlan"/>: network faults to a <see cref="SimNetwork{TMessage}"/>, node
/// faults to an <see cref="IFaultTarget"/>, each at its virtual time, and starts the quiet period.
/// </summary>
/// <typeparam name="TMessage">The network's message type.</typeparam>
public sealed class FaultInjector<TMessage>
{
    private readonly EventScheduler _scheduler;
    private readonly SimNetwork<TMessage> _network;
    private readonly IFaultTarget _target;
    private readonly TraceLog _trace;

    /// <summary>Creates an injector acting on <paramref name="network"/> and <paramref name="target"/>.</summary>
    public FaultInjector(EventScheduler scheduler, SimNetwork<TMessage> network, IFaultTarget target, TraceLog trace)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(trace);
        _scheduler = scheduler;
        _network = network;
        _target = target;
        _trace = trace;
    }

    /// <summary>Faults applied so far, not counting recoveries (the network counts its own per-message faults).</summary>
    public long Injected { get; private set; }

    /// <summary>Recoveries applied so far: heals and restarts (the quiet period's own not included).</summary>
    public long Recoveries { get; private set; }

    /// <summary>Sets the network's rates and schedules every fault of <paramref name="plan"/> and its quiet period.</summary>
    public void Schedule(FaultPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _network.Rates = plan.NetworkRates;
        _trace.Add($"fault plan: network {plan.NetworkRates}; {plan.Faults.Count} scheduled faults; quiet from t={plan.QuietFrom.TotalSeconds:0.000}s");
        foreach (ScheduledFault scheduled in plan.Faults)
        {
            _scheduler.Schedule(scheduled.At, () => Apply(scheduled.Fault));
        }

        _scheduler.Schedule(plan.QuietFrom, BeginQuietPeriod);
    }

    /// <summary>Applies <paramref name="fault"/> now.</summary>
    public void Apply(Fault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        if (fault is HealFault or RestartFault or RestartAllFault)
        {
            Recoveries++;
            _trace.Add($"RECOVERY {fault}");
        }
        else
        {
            Injected++;
            _trace.Add($"FAULT {fault}");
        }

        switch (fault)
        {
            case SymmetricPartitionFault p:
                _network.PartitionSymmetric(p.SideA, p.SideB);
                break;
            case OneWayPartitionFault p:
                _network.PartitionOneWay(p.From, p.To);
                break;
            case IsolateNodeFault p:
                _network.Isolate(p.Node);
                break;
            case IsolateLeaderFault:
                if (_target.CurrentLeader() is int leader)
                {
                    _network.Isolate(leader);
                }
                else
                {
                    _trace.Add("no leader to isolate");
                }

                break;
            case SplitFault p:
                _network.Split(p.Groups);
                break;
            case HealFault:
                _network.Heal();
                break;
            case CrashFault p:
                if (_target.IsUp(p.Node))
                {
                    _target.Crash(p.Node, p.TearLastWrite);
                }

                break;
            case RestartFault p:
                if (!_target.IsUp(p.Node))
                {
                    _target.Restart(p.Node);
                }

                break;
            case CrashAllFault p:
                ForEachNode(n => _target.IsUp(n), n => _target.Crash(n, p.TearLastWrite));
                break;
            case RestartAllFault:
                ForEachNode(n => !_target.IsUp(n), _target.Restart);
                break;
            case ClockDriftFault p:
                _target.SetClockDrift(p.Node, p.Rate);
                break;
            case PauseFault p:
                _target.Pause(p.Node, p.Duration);
                break;
            case FsyncFailureFault p:
                if (_target.IsUp(p.Node))
                {
                    _target.FailNextSync(p.Node); // a crash before that fsync cancels it
                }

                break;
            case DiskFullFault p:
                _target.FillDisk(p.Node, p.Duration);
                break;
            case ClockJumpFault p:
                _target.JumpClock(p.Node, p.Delta);
                break;
            case SlowDiskFault p:
                _target.SlowDisk(p.Node, p.SyncLatency);
                break;
            case DiskDamageFault p:
                _target.DamageDisk(p.Node);
                break;
            default:
                throw new ArgumentException($"unknown fault {fault}", nameof(fault));
        }
    }

    private void BeginQuietPeriod()
    {
        _trace.Add("QUIET PERIOD: no more faults; reliable network, all links up, all nodes up");
        _network.Rates = NetworkFaultRates.None;
        _network.Heal();
        ForEachNode(n => !_target.IsUp(n), _target.Restart);
    }

    private void ForEachNode(Func<int, bool> condition, Action<int> action)
    {
        for (int node = 0; node < _target.NodeCount; node++)
        {
            if (condition(node))
            {
                action(node);
            }
        }
    }
}
