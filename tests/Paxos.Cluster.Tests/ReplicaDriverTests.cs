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

    private ReplicaDriver Start(IStateMachine stateMachine, Action<string, Exception> fatal)
    {
        var snapshots = new ReplicaSnapshots(new SnapshotStore(Path.Combine(_root, "snapshots")));
        var peers = new PeerLinks(new MemberDirectory(0, "0", Membership.OfSize(1)), snapshots, _ => throw new InvalidOperationException("a one-node cluster has no peers"), (_, _) => throw new InvalidOperationException("a one-node cluster has no peers"), NullLogger<SnapshotSender>.Instance);
        var node = ReplicaNode.Open(new ReplicaNodeOptions
        {
            Core = new ReplicaOptions { NodeId = 0, ClusterSize = 1, ElectionTicks = 2 },
            LogDirectory = Path.Combine(_root, "log"),
            StateMachine = stateMachine,
            Random = new SystemRandomSource(),
            SnapshotInterval = 1000,
            Tick = TimeSpan.FromMilliseconds(10),
        }, snapshots, peers);
        var driver = new ReplicaDriver(node, peers, TimeSpan.FromMilliseconds(10), NullLogger.Instance, fatal);
        driver.Start();
        return driver;
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
