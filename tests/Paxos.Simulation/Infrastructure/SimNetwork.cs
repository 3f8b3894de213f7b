namespace Paxos.Simulation.Infrastructure;

/// <summary>
/// A simulated network between nodes 0..N-1 that delivers messages through the
/// <see cref="EventScheduler"/>. Each message independently may be dropped, duplicated, delayed or
/// exempted from FIFO order, with the probabilities in <see cref="Rates"/>, drawn from the
/// network's own <see cref="SimRandom"/>; some may arrive damaged (<see cref="CorruptRate"/>). Partitions cut directed links; a message is lost if its
/// link is cut when it is sent or when it is due. A node always reaches itself.
/// </summary>
/// <typeparam name="TMessage">The protocol's message type.</typeparam>
public sealed class SimNetwork<TMessage>
{
    private readonly EventScheduler _scheduler;
    private readonly SimRandom _random;
    private readonly TraceLog? _trace;
    private readonly Func<TMessage, string> _describe;
    private readonly bool[,] _cut;
    private readonly TimeSpan[,] _lastFifoDelivery;
    private readonly Action<int, TMessage>?[] _receivers;

    /// <summary>Creates a fully connected network of <paramref name="nodeCount"/> nodes.</summary>
    /// <param name="nodeCount">Number of nodes.</param>
    /// <param name="scheduler">Schedules deliveries.</param>
    /// <param name="random">The network's own random stream.</param>
    /// <param name="rates">Initial fault rates.</param>
    /// <param name="trace">Where sends and losses are logged, if anywhere.</param>
    /// <param name="describe">Renders a message for the trace; defaults to ToString.</param>
    public SimNetwork(int nodeCount, EventScheduler scheduler, SimRandom random, NetworkFaultRates rates, TraceLog? trace = null, Func<TMessage, string>? describe = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nodeCount);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(rates);
        NodeCount = nodeCount;
        _scheduler = scheduler;
        _random = random;
        Rates = rates;
        _trace = trace;
        _describe = describe ?? (m => m?.ToString() ?? "null");
        _cut = new bool[nodeCount, nodeCount];
        _lastFifoDelivery = new TimeSpan[nodeCount, nodeCount];
        _receivers = new Action<int, TMessage>?[nodeCount];
    }

    /// <summary>Number of nodes.</summary>
    public int NodeCount { get; }

    /// <summary>Fault rates applied to messages sent from now on.</summary>
    public NetworkFaultRates Rates { get; set; }

    /// <summary>Probability that a message <see cref="Damage"/> can damage arrives damaged (every copy of it).</summary>
    public double CorruptRate { get; set; }

    /// <summary>Damages a message, or returns null for one that this network carries intact (e.g. over a checksummed transport).</summary>
    public Func<TMessage, SimRandom, TMessage?>? Damage { get; set; }

    /// <summary>What the network did so far.</summary>
    public NetworkCounters Counters { get; } = new();

    /// <summary>Sets what happens when a message reaches <paramref name="node"/>: receive(from, message).</summary>
    public void SetReceiver(int node, Action<int, TMessage> receive) => _receivers[node] = receive;

    /// <summary>True if messages from <paramref name="from"/> currently reach <paramref name="to"/>.</summary>
    public bool IsConnected(int from, int to) => from == to || !_cut[from, to];

    /// <summary>Sends <paramref name="message"/>; it arrives later, or never, according to the faults.</summary>
    public void Send(int from, int to, TMessage message)
    {
        Counters.Sent++;
        string text = $"n{from}→n{to} {_describe(message)}";
        if (!IsConnected(from, to))
        {
            Counters.BlockedByPartition++;
            _trace?.Add(text + " [partitioned]");
            return;
        }

        NetworkFaultRates rates = Rates;
        if (_random.Chance(rates.DropRate))
        {
            Counters.Dropped++;
            _trace?.Add(text + " [dropped]");
            return;
        }

        TimeSpan due = _scheduler.Now + _random.NextDuration(rates.MinLatency, rates.MaxLatency);
        string notes = string.Empty;
        if (_random.Chance(rates.ReorderRate))
        {
            Counters.Reordered++;
            due += _random.NextDuration(TimeSpan.Zero, rates.MaxExtraDelay);
            notes += " [reordered]";
        }
        else
        {
            if (_random.Chance(rates.DelayRate))
            {
                Counters.Delayed++;
                TimeSpan extra = _random.NextDuration(TimeSpan.Zero, rates.MaxExtraDelay);
                due += extra;
                notes += $" [delayed +{extra.TotalMilliseconds:0.0}ms]";
            }

            due = due < _lastFifoDelivery[from, to] ? _lastFifoDelivery[from, to] : due;
            _lastFifoDelivery[from, to] = due;
        }

        if (CorruptRate > 0 && Damage is not null && _random.Chance(CorruptRate) && Damage(message, _random) is { } damaged)
        {
            Counters.Corrupted++;
            message = damaged;
            notes += " [corrupted]";
        }

        Schedule(from, to, message, due, text);
        if (_random.Chance(rates.DuplicateRate))
        {
            Counters.Duplicated++;
            notes += " [duplicated]";
            Schedule(from, to, message, due + _random.NextDuration(TimeSpan.Zero, rates.MaxLatency), text);
        }

        _trace?.Add(text + notes);
    }

    /// <summary>Cuts every link between <paramref name="sideA"/> and <paramref name="sideB"/>, both ways.</summary>
    public void PartitionSymmetric(IReadOnlyCollection<int> sideA, IReadOnlyCollection<int> sideB)
    {
        ArgumentNullException.ThrowIfNull(sideA);
        ArgumentNullException.ThrowIfNull(sideB);
        foreach (int a in sideA)
        {
            foreach (int b in sideB)
            {
                Cut(a, b);
                Cut(b, a);
            }
        }

        Partitioned($"partition {{{string.Join(",", sideA)}}} | {{{string.Join(",", sideB)}}}");
    }

    /// <summary>Cuts the link from <paramref name="from"/> to <paramref name="to"/> only.</summary>
    public void PartitionOneWay(int from, int to)
    {
        Cut(from, to);
        Partitioned($"partition one-way n{from}↛n{to}");
    }

    /// <summary>Cuts every link to and from <paramref name="node"/>.</summary>
    public void Isolate(int node)
    {
        for (int other = 0; other < NodeCount; other++)
        {
            Cut(node, other);
            Cut(other, node);
        }

        Partitioned($"isolate n{node}");
    }

    /// <summary>Leaves only the links inside each group; nodes in no group are isolated.</summary>
    public void Split(IReadOnlyList<IReadOnlyList<int>> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var groupOf = new int[NodeCount];
        Array.Fill(groupOf, -1);
        for (int g = 0; g < groups.Count; g++)
        {
            foreach (int node in groups[g])
            {
                groupOf[node] = g;
            }
        }

        for (int a = 0; a < NodeCount; a++)
        {
            for (int b = 0; b < NodeCount; b++)
            {
                if (groupOf[a] < 0 || groupOf[a] != groupOf[b])
                {
                    Cut(a, b);
                }
            }
        }

        Partitioned("split " + string.Join(" | ", groups.Select(g => "{" + string.Join(",", g) + "}")));
    }

    /// <summary>Restores every link.</summary>
    public void Heal()
    {
        Array.Clear(_cut);
        Counters.Heals++;
        _trace?.Add("network healed");
    }

    private void Cut(int from, int to)
    {
        if (from != to)
        {
            _cut[from, to] = true;
        }
    }

    private void Partitioned(string description)
    {
        Counters.Partitions++;
        _trace?.Add(description);
    }

    private void Schedule(int from, int to, TMessage message, TimeSpan due, string text) =>
        _scheduler.Schedule(due, () =>
        {
            if (!IsConnected(from, to))
            {
                Counters.BlockedByPartition++;
                _trace?.Add(text + " [lost in flight: partitioned]");
                return;
            }

            Counters.Delivered++;
            _receivers[to]?.Invoke(from, message);
        });
}
