namespace Paxos.Simulation.Infrastructure;

/// <summary>
/// Hosts N node processes of any type in one simulation: starts each from a factory (which may
/// refuse, as a process that finds its disk damaged does), crashes it (the object is discarded and
/// its disk loses unsynced writes), restarts it from its disk, pauses it, skews its clock or makes
/// it jump, slows its disk and damages it. All work for a node goes through <see cref="Deliver"/> or
/// <see cref="SetTimer"/>, which drop it while the node is down and hold it back while the node
/// is paused, so the node type needs no knowledge of faults. A crashed process that is an
/// <see cref="ISimProcess"/> is told to let go of what it holds, after its disk crashed.
/// </summary>
/// <typeparam name="TNode">The node process type (the protocol core's host, or a test double).</typeparam>
public sealed class SimCluster<TNode> : IFaultTarget
    where TNode : class
{
    private readonly EventScheduler _scheduler;
    private readonly TraceLog _trace;
    private readonly Func<SimNodeContext, TNode?> _start;
    private readonly SimRandom _random;
    private readonly List<NodeTimer>[] _timers;
    private readonly TNode?[] _nodes;
    private readonly SimFileSystem[] _disks;
    private readonly DriftingClock[] _clocks;
    private readonly int[] _incarnations;
    private readonly TimeSpan[] _pausedUntil;

    /// <summary>Creates the cluster and starts every node.</summary>
    /// <param name="nodeCount">Number of nodes.</param>
    /// <param name="scheduler">The simulation's scheduler.</param>
    /// <param name="random">Source of the disks' random streams.</param>
    /// <param name="trace">Where crashes, restarts and pauses are logged.</param>
    /// <param name="start">Starts a node process (first start or restart from disk); null if it refuses to start.</param>
    public SimCluster(int nodeCount, EventScheduler scheduler, SimRandom random, TraceLog trace, Func<SimNodeContext, TNode?> start)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nodeCount);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(start);
        NodeCount = nodeCount;
        _scheduler = scheduler;
        _trace = trace;
        _start = start;
        _nodes = new TNode?[nodeCount];
        _disks = new SimFileSystem[nodeCount];
        _clocks = new DriftingClock[nodeCount];
        _incarnations = new int[nodeCount];
        _pausedUntil = new TimeSpan[nodeCount];
        _timers = new List<NodeTimer>[nodeCount];
        for (int i = 0; i < nodeCount; i++)
        {
            _disks[i] = new SimFileSystem(random.Fork());
            _clocks[i] = new DriftingClock(scheduler.Clock);
            _timers[i] = [];
        }

        _random = random.Fork();

        for (int i = 0; i < nodeCount; i++)
        {
            StartProcess(i);
        }
    }

    /// <inheritdoc/>
    public int NodeCount { get; }

    /// <summary>Decides whether a node believes it leads; used by <see cref="CurrentLeader"/>.</summary>
    public Func<TNode, bool>? IsLeader { get; set; }

    /// <summary>Crashes so far.</summary>
    public long Crashes { get; private set; }

    /// <summary>Restarts so far.</summary>
    public long Restarts { get; private set; }

    /// <summary>Pauses so far.</summary>
    public long Pauses { get; private set; }

    /// <summary>How far the nodes' clocks stepped forward in all (<see cref="JumpClock"/>).</summary>
    public TimeSpan ForwardClockJumps { get; private set; }

    /// <summary>Starts the node process refused (it found its disk damaged).</summary>
    public long RefusedStarts { get; private set; }

    /// <summary>Deliveries and timers dropped because their node was down or had restarted.</summary>
    public long LostToCrashes { get; private set; }

    /// <summary>The running process of <paramref name="node"/>, or null while crashed.</summary>
    public TNode? Node(int node) => _nodes[node];

    /// <summary>The disk of <paramref name="node"/>.</summary>
    public SimFileSystem Disk(int node) => _disks[node];

    /// <summary>The local clock of <paramref name="node"/>.</summary>
    public DriftingClock Clock(int node) => _clocks[node];

    /// <summary>How many times <paramref name="node"/> has been started.</summary>
    public int Incarnation(int node) => _incarnations[node];

    /// <inheritdoc/>
    public bool IsUp(int node) => _nodes[node] is not null;

    /// <summary>True while <paramref name="node"/> is frozen.</summary>
    public bool IsPaused(int node) => _scheduler.Now < _pausedUntil[node];

    /// <inheritdoc/>
    public int? CurrentLeader()
    {
        for (int i = 0; i < NodeCount; i++)
        {
            if (_nodes[i] is { } node && IsLeader?.Invoke(node) == true)
            {
                return i;
            }
        }

        return null;
    }

    /// <summary>
    /// Runs <paramref name="action"/> on <paramref name="node"/>'s process now; later if it is paused
    /// (dropped if it crashes meanwhile); never if it is down.
    /// </summary>
    public void Deliver(int node, Action<TNode> action) => RunOn(node, _incarnations[node], action);

    /// <summary>
    /// Runs <paramref name="action"/> on <paramref name="node"/> after <paramref name="localDelay"/>
    /// of its local clock, unless the process crashes first; held back while it is paused.
    /// </summary>
    public NodeTimer SetTimer(int node, TimeSpan localDelay, Action<TNode> action)
    {
        int incarnation = _incarnations[node];
        var timer = new NodeTimer(_clocks[node].Now + localDelay, () => RunOn(node, incarnation, action), t => _timers[node].Remove(t));
        _timers[node].Add(timer);
        Arm(node, timer);
        return timer;
    }

    /// <inheritdoc/>
    public void Crash(int node, bool tearLastWrite)
    {
        if (_nodes[node] is null)
        {
            return;
        }

        TNode process = _nodes[node]!;
        _nodes[node] = null;
        _pausedUntil[node] = TimeSpan.Zero;
        Crashes++;
        DiskCrashOutcome outcome = _disks[node].Crash(tearLastWrite);
        _trace.Add($"n{node} CRASHED; disk {outcome}");
        (process as ISimProcess)?.Abandon();
    }

    /// <inheritdoc/>
    public void Restart(int node)
    {
        if (_nodes[node] is not null)
        {
            return;
        }

        Restarts++;
        StartProcess(node);
        _trace.Add($"n{node} RESTARTED (incarnation {_incarnations[node]})");
    }

    /// <inheritdoc/>
    public void SetClockDrift(int node, double rate) => _clocks[node].SetDrift(rate);

    /// <inheritdoc/>
    public void JumpClock(int node, TimeSpan delta)
    {
        _clocks[node].Jump(delta);
        ForwardClockJumps += delta > TimeSpan.Zero ? delta : TimeSpan.Zero;
        _trace.Add($"n{node}'s clock jumps {delta.TotalMilliseconds:+0;-0} ms");
        foreach (NodeTimer timer in _timers[node])
        {
            timer.Event?.Cancel();
            Arm(node, timer);
        }
    }

    /// <inheritdoc/>
    public void SlowDisk(int node, TimeSpan syncLatency)
    {
        _disks[node].SyncLatency = syncLatency;
        _trace.Add($"n{node}'s disk takes {syncLatency.TotalMilliseconds:0.0} ms per fsync");
    }

    /// <inheritdoc/>
    public void DamageDisk(int node)
    {
        Crash(node, tearLastWrite: false);
        _trace.Add($"n{node}'s disk is damaged while it is down: {_disks[node].FlipStoredBit(_random)}");
    }

    /// <inheritdoc/>
    public void Pause(int node, TimeSpan duration)
    {
        if (_nodes[node] is null)
        {
            return;
        }

        Pauses++;
        TimeSpan until = _scheduler.Now + duration;
        _pausedUntil[node] = until > _pausedUntil[node] ? until : _pausedUntil[node];
        _trace.Add($"n{node} PAUSED until t={_pausedUntil[node].TotalSeconds:0.000000}s");
    }

    /// <inheritdoc/>
    public void FailNextSync(int node) => _disks[node].FailNextSync();

    /// <inheritdoc/>
    public void FillDisk(int node, TimeSpan duration)
    {
        _disks[node].Full = true;
        _scheduler.ScheduleAfter(duration, () =>
        {
            _disks[node].Full = false;
            _trace.Add($"n{node}'s disk has room again");
        });
    }

    private void StartProcess(int node)
    {
        _incarnations[node]++;
        _timers[node].Clear();
        _nodes[node] = _start(new SimNodeContext(node, _incarnations[node], _disks[node], _clocks[node]));
        if (_nodes[node] is null)
        {
            RefusedStarts++;
            _trace.Add($"n{node} REFUSED TO START (incarnation {_incarnations[node]}): its disk is damaged");
        }
    }

    /// <summary>Schedules <paramref name="timer"/> at the virtual time its node's clock reaches its due time (at once if it has).</summary>
    private void Arm(int node, NodeTimer timer)
    {
        TimeSpan remaining = timer.LocalDue - _clocks[node].Now;
        timer.Event = _scheduler.ScheduleAfter(_clocks[node].ToVirtual(remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining), timer.Fire);
    }

    private void RunOn(int node, int incarnation, Action<TNode> action)
    {
        if (_nodes[node] is not { } process || _incarnations[node] != incarnation)
        {
            LostToCrashes++;
            return;
        }

        if (IsPaused(node))
        {
            _scheduler.Schedule(_pausedUntil[node], () => RunOn(node, incarnation, action));
            return;
        }

        action(process);
    }
}
