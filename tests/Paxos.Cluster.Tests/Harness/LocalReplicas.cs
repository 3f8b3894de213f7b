using System.Text;
using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.Node.Replication;
using Paxos.Storage.Snapshots;

namespace Paxos.Cluster.Tests.Harness;

/// <summary>
/// Production <see cref="ReplicaNode"/>s in this process, on real data directories, run step by step
/// by the test: each step ticks every running node, then delivers every message (and snapshot) sent,
/// each followed by the node's round, as the driver does. No threads, timers or sockets; a crash is
/// a dispose (what was fsynced stays) and a restart opens the node again from its directory.
/// </summary>
internal sealed class LocalReplicas : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("paxos-replicas-").FullName;
    private readonly ReplicaNode?[] _nodes = new ReplicaNode?[Membership.MaxNumbers];
    private readonly RecordingStateMachine?[] _machines = new RecordingStateMachine?[Membership.MaxNumbers];
    private readonly Queue<(int To, object Packet)> _inFlight = new();
    private readonly ulong _snapshotInterval;

    public LocalReplicas(ulong snapshotInterval = 1000) => _snapshotInterval = snapshotInterval;

    /// <summary>Every membership each node's transport was told of, in order.</summary>
    public List<Membership>[] Updates { get; } = [.. Enumerable.Range(0, Membership.MaxNumbers).Select(_ => new List<Membership>())];

    /// <summary>Node <paramref name="number"/>, which must be running.</summary>
    public ReplicaNode this[int number] => _nodes[number] ?? throw new InvalidOperationException($"node {number} is not running");

    /// <summary>The commands node <paramref name="number"/>'s state machine applied, in order.</summary>
    public IReadOnlyList<string> Applied(int number) => _machines[number]!.Commands;

    /// <summary>Where node <paramref name="number"/> keeps its snapshots.</summary>
    public string SnapshotDirectory(int number) => Path.Combine(_root, $"n{number}", "snapshots");

    /// <summary>Opens node <paramref name="number"/> from its directory; <paramref name="membership"/> counts only if it holds no snapshot.</summary>
    public ReplicaNode Start(int number, Membership? membership, int clusterSize = 0)
    {
        Invariant.Check(_nodes[number] is null, "a node runs once");
        var machine = new RecordingStateMachine();
        var snapshots = new ReplicaSnapshots(new SnapshotStore(SnapshotDirectory(number)));
        var node = ReplicaNode.Open(new ReplicaNodeOptions
        {
            Core = new ReplicaOptions { NodeId = number, ClusterSize = clusterSize, HeartbeatTicks = 1, ElectionTicks = 10 },
            Membership = membership,
            LogDirectory = Path.Combine(_root, $"n{number}", "log"),
            StateMachine = machine,
            Random = new SeededRandom(number),
            SnapshotInterval = _snapshotInterval,
            Tick = TimeSpan.FromMilliseconds(10),
        }, snapshots, new Peers(this, number, snapshots));
        _nodes[number] = node;
        _machines[number] = machine;
        return node;
    }

    /// <summary>Stops node <paramref name="number"/> as a crash would, after its last round (everything it acknowledged was fsynced).</summary>
    public void Stop(int number)
    {
        this[number].Dispose();
        _nodes[number] = null;
    }

    /// <summary>Runs steps until <paramref name="done"/> holds; fails after <paramref name="maxSteps"/>.</summary>
    public void RunUntil(Func<bool> done, string what, int maxSteps = 2000)
    {
        for (int step = 0; !done(); step++)
        {
            Assert.True(step < maxSteps, $"not within {maxSteps} steps: {what}");
            Step();
        }
    }

    /// <summary>Runs <paramref name="steps"/> steps.</summary>
    public void Run(int steps)
    {
        for (int step = 0; step < steps; step++)
        {
            Step();
        }
    }

    /// <summary>Node <paramref name="number"/> takes <paramref name="input"/>, then runs its round.</summary>
    public void Input(int number, Action<ReplicaNode> input)
    {
        input(this[number]);
        Round(this[number]);
    }

    /// <summary>The running node that leads, or null.</summary>
    public ReplicaNode? Leader => _nodes.FirstOrDefault(node => node?.Role == ReplicaRole.Leader);

    /// <summary>Proposes <paramref name="command"/> at the leader and runs until it is applied there.</summary>
    public void Write(string command)
    {
        ReplicaNode leader = Leader ?? throw new InvalidOperationException("no leader");
        var reply = new Reply<ReplicaOutcome<ReplicationResult>>();
        Input(leader.NodeId, node => node.Propose(Encoding.UTF8.GetBytes(command), reply));
        RunUntil(() => reply.Ended, $"the write of {command}");
        Assert.Null(reply.Error);
        Assert.True(reply.Result.IsDone, reply.Result.ToString());
    }

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            node?.Dispose();
        }
        Directory.Delete(_root, recursive: true);
    }

    private void Step()
    {
        foreach (var node in _nodes)
        {
            if (node is not null)
            {
                node.Tick();
                Round(node);
            }
        }
        for (int count = _inFlight.Count; count > 0; count--)
        {
            var (to, packet) = _inFlight.Dequeue();
            if (_nodes[to] is not { } node)
            {
                continue;
            }
            switch (packet)
            {
                case ReplicaMessage message:
                    node.Receive([message]);
                    break;
                case SnapshotWriter snapshot:
                    using (snapshot)
                    {
                        node.InstallSnapshot(snapshot, new Reply<ulong>());
                    }
                    break;
            }
            Round(node);
        }
    }

    /// <summary>Runs <paramref name="node"/>'s round; a snapshot it captured is written and handed back at once, as by a driver with an instant disk.</summary>
    private static void Round(ReplicaNode node)
    {
        node.RunRound();
        if (node.TakeSnapshotToWrite() is { } snapshot)
        {
            snapshot.Write();
            node.SnapshotWritten(snapshot);
        }
    }

    /// <summary>Sends what a node sends into the harness's queue; a snapshot is copied into the receiver's store as the gRPC service does.</summary>
    private sealed class Peers(LocalReplicas replicas, int self, ReplicaSnapshots snapshots) : IReplicaPeers
    {
        public void Send(ReplicaMessage message) => replicas._inFlight.Enqueue((message.To, message));

        public bool IsDown(int peer) => replicas._nodes[peer] is null;

        public void SendSnapshot(int peer, ulong index)
        {
            using SnapshotReader? latest = snapshots.OpenLatest();
            if (latest is null || (ulong)latest.Index < index || replicas._nodes[peer] is null)
            {
                return;
            }
            var content = new byte[latest.ContentLength];
            latest.ReadContent(0, content);
            var receiving = new ReplicaSnapshots(new SnapshotStore(replicas.SnapshotDirectory(peer)));
            SnapshotWriter writer = receiving.BeginReceive((ulong)latest.Index, latest.Metadata.Span, Crc32C.Compute(latest.Metadata.Span));
            writer.Write(content);
            receiving.CheckReceived(writer, latest.ContentCrc);
            replicas._inFlight.Enqueue((peer, writer));
        }

        public void UpdateMembership(Membership applied) => replicas.Updates[self].Add(applied);
    }

    private sealed class SeededRandom(int seed) : IRandomSource
    {
        private readonly Random _random = new(seed);

        public int NextBelow(int maxExclusive) => _random.Next(maxExclusive);
    }
}

/// <summary>
/// A state machine that remembers the commands it applied, one per line in its snapshot. A command
/// "id:NAME rest" is identified by its "id:NAME " prefix (applied as often as the log holds it all the
/// same, so that a test sees every copy that took a slot).
/// </summary>
internal sealed class RecordingStateMachine : IStateMachine
{
    public List<string> Commands { get; } = [];

    public int IdentityLength(ReadOnlySpan<byte> command) => command.StartsWith("id:"u8) ? command.IndexOf((byte)' ') + 1 : 0;

    public byte[] Apply(ulong index, ReadOnlySpan<byte> command)
    {
        Commands.Add(Encoding.UTF8.GetString(command));
        return [];
    }

    public void WriteSnapshot(Stream destination)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(string.Join('\n', Commands));
        destination.Write(bytes);
    }

    public void RestoreSnapshot(Stream source)
    {
        using var reader = new StreamReader(source, Encoding.UTF8);
        string text = reader.ReadToEnd();
        Commands.Clear();
        Commands.AddRange(text.Length == 0 ? [] : text.Split('\n'));
    }
}

/// <summary>A reply the test inspects: its answer or error once it ended.</summary>
internal sealed class Reply<T> : IReplicaReply<T>
{
    public bool IsDone => Ended;

    public bool Ended { get; private set; }

    public T? Result { get; private set; }

    public Exception? Error { get; private set; }

    public void Answer(T answer)
    {
        Assert.False(Ended, "a reply ends once");
        Ended = true;
        Result = answer;
    }

    public void Fail(Exception reason)
    {
        Assert.False(Ended, "a reply ends once");
        Ended = true;
        Error = reason;
    }
}
