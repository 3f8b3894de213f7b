using System.Buffers.Binary;
using Paxos.Cluster.Tests.Harness;
using Paxos.Core;
using Paxos.Node.Configuration;
using Paxos.Node.Hosting;
using Paxos.Node.Replication;

namespace Paxos.Cluster.Tests;

/// <summary>The library API: a program embeds nodes with its own state machine and replicates commands through the log.</summary>
public sealed class LibraryApiTests : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "paxos-library-" + Guid.NewGuid().ToString("N"));
    private readonly List<PaxosNodeHost> _hosts = [];

    /// <summary>The README's example state machine: a counter; a command adds a number, the result is the new total.</summary>
    private sealed class Counter : IStateMachine
    {
        public long Total { get; private set; }

        public byte[] Apply(ulong slot, ReadOnlySpan<byte> command)
        {
            Total += BinaryPrimitives.ReadInt64LittleEndian(command);
            var result = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(result, Total);
            return result;
        }

        public void WriteSnapshot(Stream destination)
        {
            Span<byte> bytes = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(bytes, Total);
            destination.Write(bytes);
        }

        public void RestoreSnapshot(Stream source)
        {
            Span<byte> bytes = stackalloc byte[8];
            source.ReadExactly(bytes);
            Total = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task A_program_replicates_commands_to_its_own_state_machine_on_every_node()
    {
        Counter[] counters = [new(), new(), new()];
        await StartThreeNodesAsync((i, options) => options with { StateMachine = counters[i], SnapshotInterval = 20 });

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var results = new List<ReplicationResult>();
        for (long add = 1; add <= 50; add++)
        {
            results.Add(await ReplicateAsync(BitConverter.GetBytes(add), timeout.Token));
        }

        Assert.Equal(1275, BinaryPrimitives.ReadInt64LittleEndian(results[^1].Result));
        Assert.True(results.Zip(results.Skip(1)).All(pair => pair.Second.Index > pair.First.Index && pair.Second.Slot >= pair.First.Slot));
        foreach (var host in _hosts)
        {
            while (host.Log.Status.AppliedIndex < results[^1].Slot)
            {
                await Task.Delay(20, timeout.Token);
            }
        }
        Assert.All(counters, c => Assert.Equal(1275, c.Total));
    }

    /// <summary>
    /// Commands given to a follower are forwarded to the leader, and each caller gets the leader's
    /// answer for its own command: with many in flight they share slots, yet every command has its
    /// own index, and the counter's total after it is the same offset from that index for all.
    /// </summary>
    [Fact]
    public async Task Concurrent_commands_through_a_follower_each_get_their_own_index_and_result()
    {
        await StartThreeNodesAsync((_, options) => options with { StateMachine = new Counter() });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await ReplicateAsync(BitConverter.GetBytes(1L), timeout.Token); // a leader is elected and known
        PaxosNodeHost follower;
        while (true)
        {
            var known = _hosts.FirstOrDefault(h => h.Log.Status.Role == "follower" && h.Log.Status.LeaderId >= 0);
            if (known is not null)
            {
                follower = known;
                break;
            }
            await Task.Delay(20, timeout.Token);
        }

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => follower.Log.ReplicateAsync(BitConverter.GetBytes(1L), timeout.Token)));

        Assert.All(outcomes, outcome => Assert.True(outcome.IsDone, outcome.ToString()));
        var results = outcomes.Select(outcome => outcome.Value).ToArray();

        Assert.Equal(100, results.Select(r => r.Index).Distinct().Count());
        Assert.Equal(99ul, results.Max(r => r.Index) - results.Min(r => r.Index));
        Assert.True(results.Select(r => r.Slot).Distinct().Count() < 100, "the commands were not batched, so slots and indexes cannot be told apart");
        Assert.Single(results.Select(r => (ulong)BinaryPrimitives.ReadInt64LittleEndian(r.Result) - r.Index).Distinct());
    }

    [Theory]
    [InlineData("metrics port", "the metrics port (--metrics-port")]
    [InlineData("snapshot interval", "the snapshot interval (--snapshot-interval) must be at least 1 slot")]
    [InlineData("election ticks", "the election timeout must be at least 2 ticks")]
    [InlineData("tick", "must be positive")]
    public async Task A_node_whose_settings_cannot_work_refuses_to_start_and_says_which(string setting, string message)
    {
        int[] ports = FreePorts.Take(3);
        var options = Options(ports, 0);
        options = setting switch
        {
            "metrics port" => options with { MetricsPort = ports[0] },
            "snapshot interval" => options with { SnapshotInterval = 0 },
            "election ticks" => options with { ElectionTicks = 1 },
            _ => options with { Tick = TimeSpan.Zero },
        };

        var error = await Assert.ThrowsAsync<ConfigException>(() => PaxosNodeHost.StartAsync(options, CancellationToken.None));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(options.DataDirectory), "a node that refuses to start must not create its data directory");
    }

    private NodeOptions Options(int[] ports, int node) => new(
        new ClusterConfig([.. ports.Select((p, i) => new NodeEntry($"n{i}", new Uri($"http://127.0.0.1:{p}"), p))]), $"n{node}", Path.Combine(_root, $"n{node}"));

    /// <summary>Starts three embedded nodes on free ports, each with the options <paramref name="configure"/> makes of the defaults.</summary>
    private async Task StartThreeNodesAsync(Func<int, NodeOptions, NodeOptions> configure)
    {
        int[] ports = FreePorts.Take(3);
        for (int i = 0; i < 3; i++)
        {
            _hosts.Add(await PaxosNodeHost.StartAsync(configure(i, Options(ports, i)), CancellationToken.None));
        }
    }

    /// <summary>
    /// As in the README: send to the node that leads; a follower says which one that is. A command
    /// whose slot another leader took (NotChosen: a cold start may elect twice) was not applied and
    /// is sent again.
    /// </summary>
    private async Task<ReplicationResult> ReplicateAsync(byte[] command, CancellationToken cancellationToken)
    {
        int target = 0;
        while (true)
        {
            var outcome = await _hosts[target].Log.ReplicateAsync(command, cancellationToken);
            if (outcome.IsDone)
            {
                return outcome.Value;
            }
            Assert.True(outcome.Kind is ReplicaOutcomeKind.NotLeader or ReplicaOutcomeKind.NotChosen, outcome.ToString());
            if (outcome.Kind == ReplicaOutcomeKind.NotLeader)
            {
                target = outcome.LeaderHint >= 0 ? outcome.LeaderHint : (target + 1) % _hosts.Count;
            }
            await Task.Delay(20, cancellationToken);
        }
    }
}
