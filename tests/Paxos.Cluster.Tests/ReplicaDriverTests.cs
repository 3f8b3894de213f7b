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
        new ReplicaSnapshots(new SnapshotStore(Path.Combine(_root, "snapshots"))).Take(new FailingStateMachine(), 5, 0, withoutNode0);
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

    private ReplicaDriver Start(IStateMachine stateMachine, Action<string, Exception> fatal, Action<string>? removed = null)
    {
        var snapshots = new ReplicaSnapshots(new SnapshotStore(Path.Combine(_root, "snapshots")));
        var peers = new NoPeers();
        var node = ReplicaNode.Open(new ReplicaNodeOptions
        {
            Core = new ReplicaOptions { NodeId = 0, ClusterSize = 1, ElectionTicks = 2 },
            LogDirectory = Path.Combine(_root, "log"),
            StateMachine = stateMachine,
            Random = new SystemRandomSource(),
            SnapshotInterval = 1000,
            Tick = TimeSpan.FromMilliseconds(10),
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
