using Microsoft.Extensions.Logging.Abstractions;
using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.Node.Hosting;
using Paxos.Node.Replication;
using Paxos.Storage.Snapshots;

namespace Paxos.Cluster.Tests;

/// <summary>The driver of a one-node log, in this process, with the way it stops the process replaced.</summary>
public sealed class ReplicaDriverTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("paxos-driver-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task An_exception_the_loop_does_not_expect_stops_the_node_instead_of_ending_the_loop_quietly()
    {
        var stopped = new TaskCompletionSource<(string Message, Exception Error)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var driver = Start(new FailingStateMachine(), (message, error) => stopped.TrySetResult((message, error)));

        while (driver.Status.Role != "leader")
        {
            await Task.Delay(10);
        }
        _ = driver.ReplicateAsync(new byte[] { 1 }, CancellationToken.None);

        var (message, error) = await stopped.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("loop failed unexpectedly", message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(error);
    }

    /// <summary>
    /// A node whose data directory holds its own removal (it was removed, then restarted) is told so
    /// by the driver's first round, as one removed while running is, and once only.
    /// </summary>
    [Fact]
    public async Task A_node_that_starts_removed_is_told_so_by_its_first_round_once()
    {
        var withoutNode0 = new Membership(5, [new Member(1, "n1", "http://n1:7000", IsVoter: true)], 2);
        new ReplicaSnapshots(new SnapshotStore(Path.Combine(_root, "snapshots"))).Take(new FailingStateMachine().WriteSnapshot, 5, 0, withoutNode0);
        var told = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        int tellings = 0;
        await using var driver = Start(new FailingStateMachine(), (message, error) => Assert.Fail($"the node stopped: {message} {error}"), removed: reason =>
        {
            Interlocked.Increment(ref tellings);
            told.TrySetResult(reason);
        });

        await driver.Recovered.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(told.Task.IsCompleted, "the start-up round, which completes Recovered, tells that the node is removed");
        Assert.Equal("node 0 was removed from the cluster at slot 5", await told.Task);
        for (long seen = driver.Status.Taken, rounds = 0; rounds < 5;)
        {
            await Task.Delay(10);
            if (driver.Status.Taken != seen)
            {
                seen = driver.Status.Taken;
                rounds++;
            }
        }
        Assert.Equal(1, Volatile.Read(ref tellings));
    }

    /// <summary>
    /// A snapshot is written off the loop: while its file is held half-written, the node goes on choosing and
    /// applying commands, and the log is compacted (the snapshot counted as taken) only once the file is durable.
    /// </summary>
    [Fact]
    public async Task Commands_are_chosen_while_a_snapshot_is_written_and_it_counts_only_once_durable()
    {
        var machine = new HeldSnapshotMachine();
        var metrics = new NodeMetrics();
        var store = new SnapshotStore(Path.Combine(_root, "snapshots"));
        await using var driver = Start(machine, (message, error) => Assert.Fail($"the node stopped: {message} {error}"), snapshotInterval: 4, metrics: metrics);
        try
        {
            await driver.WaitForLeaderAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            for (int i = 0; i < 4; i++)
            {
                await ReplicateAsync(driver, i);
            }
            await machine.WriteStarted.WaitAsync(TimeSpan.FromSeconds(10));

            for (int i = 4; i < 24; i++)
            {
                await ReplicateAsync(driver, i); // with the snapshot written on the loop, the first of these waits for the held file
            }
            Assert.Equal(24, machine.Applied);
            Assert.Equal([0L], store.ListIndexes());
            Assert.Equal(0.0, metrics.SnapshotsTaken.Value);
        }
        finally
        {
            machine.Release();
        }

        for (var deadline = DateTime.UtcNow.AddSeconds(10); metrics.SnapshotsTaken.Value < 1; await Task.Delay(10))
        {
            Assert.True(DateTime.UtcNow < deadline, "the written snapshot was handed back to the loop");
        }
        Assert.DoesNotContain(0L, store.ListIndexes());
        Assert.All(store.ListIndexes(), index => Assert.True(index >= 4, $"snapshot {index} covers at least the slots of the four commands"));
    }

    private static async Task ReplicateAsync(ReplicaDriver driver, int command)
    {
        var outcome = await driver.ReplicateAsync(BitConverter.GetBytes(command), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(outcome.IsDone, outcome.Message);
    }

    private ReplicaDriver Start(IStateMachine stateMachine, Action<string, Exception> fatal, Action<string>? removed = null, ulong snapshotInterval = 1000,
        NodeMetrics? metrics = null)
    {
        var snapshots = new ReplicaSnapshots(new SnapshotStore(Path.Combine(_root, "snapshots")));
        var peers = new NoPeers();
        var node = ReplicaNode.Open(new ReplicaNodeOptions
        {
            Core = new ReplicaOptions { NodeId = 0, ClusterSize = 1, ElectionTicks = 2 },
            LogDirectory = Path.Combine(_root, "log"),
            StateMachine = stateMachine,
            Random = new SystemRandomSource(),
            SnapshotInterval = snapshotInterval,
            Tick = TimeSpan.FromMilliseconds(10),
            Metrics = metrics,
        }, snapshots, peers);
        var driver = new ReplicaDriver(node, peers, TimeSpan.FromMilliseconds(10), NullLogger.Instance, fatal, removed);
        driver.Start();
        return driver;
    }

    /// <summary>The peers of a node alone: nothing is sent.</summary>
    private sealed class NoPeers : IReplicaPeers, IAsyncDisposable
    {
        public void Send(ReplicaMessage message)
        {
        }

        public bool IsDown(int peer) => true;

        public void SendSnapshot(int peer, ulong index)
        {
        }

        public void UpdateMembership(Membership applied)
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>
    /// Counts the commands it applied; its snapshot is that count, and the writer of the first captured one waits,
    /// after its first bytes, until the test releases it.
    /// </summary>
    private sealed class HeldSnapshotMachine : IStateMachine
    {
        private readonly TaskCompletionSource _writeStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _applied;
        private int _captures;

        public int Applied => Volatile.Read(ref _applied);

        public Task WriteStarted => _writeStarted.Task;

        public void Release() => _released.TrySetResult();

        public byte[] Apply(ulong index, ReadOnlySpan<byte> command)
        {
            Interlocked.Increment(ref _applied);
            return [];
        }

        public void WriteSnapshot(Stream destination) => destination.Write(BitConverter.GetBytes(_applied));

        public Action<Stream> CaptureSnapshot()
        {
            byte[] state = BitConverter.GetBytes(_applied);
            bool hold = ++_captures == 1 && _applied > 0; // not the snapshot a first start takes
            return destination =>
            {
                destination.Write(state);
                if (hold)
                {
                    _writeStarted.TrySetResult();
                    Assert.True(_released.Task.Wait(TimeSpan.FromSeconds(30)), "the test released the snapshot's writer");
                }
            };
        }

        public void RestoreSnapshot(Stream source)
        {
            var state = new byte[sizeof(int)];
            source.ReadExactly(state);
            _applied = BitConverter.ToInt32(state);
        }
    }

    /// <summary>A state machine with a bug: every command throws.</summary>
    private sealed class FailingStateMachine : IStateMachine
    {
        public byte[] Apply(ulong index, ReadOnlySpan<byte> command) => throw new InvalidOperationException("a bug in the state machine");

        public void WriteSnapshot(Stream destination)
        {
        }

        public void RestoreSnapshot(Stream source)
        {
        }
    }
}
