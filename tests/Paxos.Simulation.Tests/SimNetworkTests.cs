using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Tests;

public class SimNetworkTests
{
    private readonly EventScheduler _scheduler = new();
    private readonly List<(int From, int To, string Message)> _received = [];

    [Fact]
    public void DamageStrikesOnlyMessagesItCanDamageAtTheChosenRate()
    {
        SimNetwork<string> network = Create(2, NetworkFaultRates.None);
        network.CorruptRate = 0.5;
        network.Damage = (message, _) => message.StartsWith("snapshot", StringComparison.Ordinal) ? message + " (damaged)" : null;
        for (int i = 0; i < 200; i++)
        {
            network.Send(0, 1, $"snapshot {i}");
            network.Send(0, 1, $"message {i}");
        }

        _scheduler.RunUntil(TimeSpan.FromSeconds(1));

        int damaged = _received.Count(r => r.Message.EndsWith("(damaged)", StringComparison.Ordinal));
        Assert.All(_received.Where(r => r.Message.StartsWith("message", StringComparison.Ordinal)), r => Assert.DoesNotContain("damaged", r.Message, StringComparison.Ordinal));
        Assert.InRange(damaged, 60, 140);
        Assert.Equal(damaged, network.Counters.Corrupted);
        Assert.Equal(400, _received.Count);
    }

    [Fact]
    public void ReliableNetworkDeliversEverythingInFifoOrder()
    {
        SimNetwork<string> network = Create(3, NetworkFaultRates.None);
        for (int i = 0; i < 100; i++)
        {
            network.Send(0, 1, $"m{i}");
        }

        _scheduler.RunUntil(TimeSpan.FromSeconds(1));

        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"m{i}"), _received.Select(r => r.Message));
        Assert.Equal(100, network.Counters.Delivered);
        Assert.Equal(0, network.Counters.FaultsInjected);
    }

    [Fact]
    public void SymmetricPartitionBlocksBothWaysAndHealRestoresDelivery()
    {
        SimNetwork<string> network = Create(3, NetworkFaultRates.None);
        network.PartitionSymmetric([0], [1, 2]);

        network.Send(0, 1, "0->1");
        network.Send(2, 0, "2->0");
        network.Send(1, 2, "1->2");
        _scheduler.RunUntil(TimeSpan.FromSeconds(1));

        Assert.Equal(["1->2"], _received.Select(r => r.Message));
        Assert.Equal(2, network.Counters.BlockedByPartition);

        network.Heal();
        network.Send(0, 1, "0->1 healed");
        network.Send(2, 0, "2->0 healed");
        _scheduler.RunUntil(TimeSpan.FromSeconds(2));

        Assert.Equal(["0->1 healed", "1->2", "2->0 healed"], _received.Select(r => r.Message).Order(StringComparer.Ordinal));
        Assert.Equal(1, network.Counters.Partitions);
        Assert.Equal(1, network.Counters.Heals);
    }

    [Fact]
    public void OneWayPartitionBlocksOnlyOneDirection()
    {
        SimNetwork<string> network = Create(2, NetworkFaultRates.None);
        network.PartitionOneWay(0, 1);

        network.Send(0, 1, "0->1");
        network.Send(1, 0, "1->0");
        _scheduler.RunUntil(TimeSpan.FromSeconds(1));

        Assert.Equal(["1->0"], _received.Select(r => r.Message));
        Assert.False(network.IsConnected(0, 1));
        Assert.True(network.IsConnected(1, 0));
    }

    [Fact]
    public void IsolateAndSplitCutTheRightLinks()
    {
        SimNetwork<string> network = Create(5, NetworkFaultRates.None);
        network.Isolate(3);

        Assert.All(Enumerable.Range(0, 5).Where(n => n != 3), n => Assert.False(network.IsConnected(n, 3) || network.IsConnected(3, n)));
        Assert.True(network.IsConnected(0, 4));
        Assert.True(network.IsConnected(3, 3));

        network.Heal();
        network.Split([[0, 1], [2, 3, 4]]);

        Assert.True(network.IsConnected(0, 1));
        Assert.True(network.IsConnected(4, 2));
        Assert.False(network.IsConnected(1, 2));
        Assert.False(network.IsConnected(4, 0));
    }

    [Fact]
    public void MessageInFlightWhenThePartitionStartsIsLost()
    {
        SimNetwork<string> network = Create(2, NetworkFaultRates.None);
        network.Send(0, 1, "in flight");
        network.Isolate(1);

        _scheduler.RunUntil(TimeSpan.FromSeconds(1));

        Assert.Empty(_received);
        Assert.Equal(1, network.Counters.BlockedByPartition);
    }

    [Fact]
    public void DropAndDuplicateRatesAreAppliedAndCounted()
    {
        SimNetwork<string> dropping = Create(2, NetworkFaultRates.None with { DropRate = 1 });
        dropping.Send(0, 1, "lost");
        _scheduler.RunUntil(TimeSpan.FromSeconds(1));

        Assert.Empty(_received);
        Assert.Equal(1, dropping.Counters.Dropped);

        SimNetwork<string> duplicating = Create(2, NetworkFaultRates.None with { DuplicateRate = 1 });
        duplicating.Send(0, 1, "twice");
        _scheduler.RunUntil(TimeSpan.FromSeconds(2));

        Assert.Equal(["twice", "twice"], _received.Select(r => r.Message));
        Assert.Equal(1, duplicating.Counters.Duplicated);
        Assert.Equal(2, duplicating.Counters.Delivered);
    }

    [Fact]
    public void ReorderAndDelayFaultsAreCountedAndReorderingBreaksFifo()
    {
        var rates = new NetworkFaultRates(0, 0, ReorderRate: 0.5, DelayRate: 0.3, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(50));
        SimNetwork<string> network = Create(2, rates);
        for (int i = 0; i < 200; i++)
        {
            network.Send(0, 1, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        _scheduler.RunUntil(TimeSpan.FromSeconds(1));

        Assert.Equal(200, _received.Count);
        Assert.InRange(network.Counters.Reordered, 60, 140);
        Assert.True(network.Counters.Delayed > 0);
        Assert.NotEqual(Enumerable.Range(0, 200).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), _received.Select(r => r.Message));
        Assert.Equal(network.Counters.Reordered + network.Counters.Delayed, network.Counters.FaultsInjected);
    }

    private SimNetwork<string> Create(int nodes, NetworkFaultRates rates)
    {
        var network = new SimNetwork<string>(nodes, _scheduler, new SimRandom(1), rates);
        for (int i = 0; i < nodes; i++)
        {
            int to = i;
            network.SetReceiver(to, (from, message) => _received.Add((from, to, message)));
        }

        return network;
    }
}
