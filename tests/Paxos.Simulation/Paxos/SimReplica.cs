using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.KeyValue;
using Paxos.Checking;
using Paxos.Node.Replication;
using Paxos.Simulation.Infrastructure;
using Paxos.Storage.Snapshots;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// One simulated replica process: the production <see cref="ReplicaNode"/> (its ready processing,
/// forwarding, read barriers, snapshots, and its write-ahead log and snapshot store on the node's
/// <see cref="SimFileSystem"/>) with the production <see cref="KeyValueStateMachine"/>, run
/// deterministically: every input is an event of the simulation, and the node's round runs right
/// after it, in the same step (no threads, tasks or timers). Clients' writes are proposed (a node
/// that does not lead forwards them to the leader), their reads wait for a read barrier; a restart
/// opens a new node from exactly what the disk kept. A failed fsync or a full disk stops the node
/// (it crashes, losing what was unsynced) until the disk works again.
/// </summary>
internal sealed class SimReplica : ISimProcess
{
    /// <summary>The interval of the core's logical clock, in local time.</summary>
    public static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(10);

    private const string SnapshotDirectory = "/data/snapshots";
    private const string LogDirectory = "/data/log";

    private readonly PaxosWorld _world;
    private readonly SimNodeContext _context;
    private readonly KeyValueStateMachine _store = new();
    private readonly ReplicaSnapshots _snapshots;
    private readonly ReplicaNode _node;
    private readonly SimReplicaLeases _leases;
    private int _transferTo = -1;

    /// <summary>Starts a replica process from what <paramref name="context"/>'s disk holds.</summary>
    public SimReplica(SimNodeContext context, PaxosWorld world)
    {
        _context = context;
        _world = world;
        SimRandom random = world.Random.Fork();
        ReplicaOptions core = Options(context.NodeId, world);
        _snapshots = Guard(() => new ReplicaSnapshots(new SnapshotStore(SnapshotDirectory, context.Disk) { PlantSkipRenameSync = world.Bug == PlantedBug.SkipSnapshotDirSync }));
        _node = Guard(() => ReplicaNode.Open(
            new ReplicaNodeOptions
            {
                Core = core,
                Membership = context.NodeId < world.FoundingNodes ? Membership.OfSize(world.FoundingNodes) : Membership.Unknown,
                LogDirectory = LogDirectory,
                FileSystem = context.Disk,
                StateMachine = _store,
                Random = new SimRandomSource(random.Fork()),
                SnapshotInterval = (ulong)world.Tuning.SnapshotEverySlots,
                Tick = TickInterval,
                Loggers = new TraceLoggerFactory(world.Trace, $"n{context.NodeId}"),
                LogSegmentBytes = world.Tuning.LogSegmentBytes,
                Ids = () => new RunUniqueIds(random.NextUInt64()),
                TestHooks = new ReplicaTestHooks
                {
                    AckBeforeFsync = world.Bug == PlantedBug.AckBeforeFsync,
                    LeaderReadsLocally = world.Bug == PlantedBug.StaleRead,
                    ForgetPromise = world.Bug == PlantedBug.ForgetPromise,
                    InstallOlderSnapshot = world.Bug == PlantedBug.InstallOlderSnapshot,
                    ForwardTwice = world.Bug == PlantedBug.ForwardTwice,
                    Applying = (previous, entry) =>
                    {
                        world.Monitor.OnApplied(context.NodeId, context.Incarnation, previous, entry);
                        world.Chosen.OnApplied(previous, entry);
                    },
                },
            },
            _snapshots,
            new SimPeers(context.NodeId, world, _snapshots, core.MaxMessageBytes)));
        _store.Changes.PlantKeepWatchersOnReset = world.Bug == PlantedBug.WatchMissesSnapshot;
        _leases = SimReplicaLeases.Create(world, context, _node, _store, (delay, action) => world.Cluster.SetTimer(context.NodeId, delay, replica => replica.Step(action)));
        world.Trace.Add($"n{Id} starts (incarnation {context.Incarnation}) at applied slot {_node.AppliedSlot}, last accepted slot {_node.LastAcceptedSlot}"
            + (world.Bug == PlantedBug.ForgetPromise ? " (planted forget-promise: its promise recovered as 0.0)" : ""));
    }

    /// <summary>True if this replica believes it leads.</summary>
    public bool IsLeader => _node.Role == ReplicaRole.Leader;

    /// <summary>The last slot this replica applied (or installed by snapshot).</summary>
    public ulong AppliedSlot => _node.AppliedSlot;

    /// <summary>The highest slot this replica holds an accepted entry for.</summary>
    public ulong LastAcceptedSlot => _node.LastAcceptedSlot;

    /// <summary>The membership as of <see cref="AppliedSlot"/>.</summary>
    public Membership Membership => _node.Membership;

    /// <summary>True once this replica applied a membership that removed it (a real node then stops).</summary>
    public bool IsRemoved => _node.IsRemoved;

    /// <summary>The replica's state machine, whose change feed the watches read.</summary>
    public KeyValueStateMachine Store => _store;

    private int Id => _context.NodeId;

    /// <summary>Starts the process's clock.</summary>
    public void Start()
    {
        ScheduleTick();
        if (_world.LeasesOn)
        {
            ScheduleLeaseCheck();
        }
    }

    /// <inheritdoc/>
    public void Abandon()
    {
        _leases.Dispose();
        try
        {
            _node.Dispose(); // returns the log's buffer; what it had not written fails on the crashed disk
        }
        catch (IOException)
        {
            // the process is gone: what it had not written is lost, as the crash says
        }
    }

    /// <summary>Handles a packet from replica <paramref name="from"/>.</summary>
    public void ReceivePeer(int from, PeerPacket packet) => Step(() =>
    {
        switch (packet)
        {
            case ProtocolPacket p:
                if (p.Message is ForwardProposal forward)
                {
                    _world.Monitor.OnForwardReceived(forward);
                }

                _node.Receive([p.Message]);
                break;
            case SnapshotPacket s:
                InstallSnapshot(from, s);
                break;
        }
    });

    /// <summary>Handles a client's request.</summary>
    public void ReceiveClient(ClientRequest request) => Step(() =>
    {
        if (request.Input.Kind == KvOperationKind.Get)
        {
            _node.ReadBarrier(new SimReply<ulong>(
                _ => Reply(request, ClientResponseKind.Done, KvTranslation.Read(_store, request.Input.Key)),
                error => Reply(request, error)));
        }
        else if (request.Input.Kind == KvOperationKind.LeaseKeepAlive)
        {
            _ = _leases.KeepAliveAsync(request.Input.Lease, output => Reply(request, ClientResponseKind.Done, output), error => Reply(request, error));
        }
        else
        {
            string clientId = $"client-{request.Client}";
            _world.Monitor.OnWriteReceived(clientId, request.RequestId);
            byte[] command = KvTranslation.EncodeWrite(request.Input, clientId, request.RequestId, _world.Bug);
            _node.Propose(command, new SimReply<ReplicationResult>(
                result =>
                {
                    KvOutput? output = KvTranslation.DecodeWriteResult(result.Result);
                    Reply(request, output is null ? ClientResponseKind.Retry : ClientResponseKind.Done, output);
                },
                error => Reply(request, error)));
        }
    });

    /// <summary>Asks this replica to change the membership; one of <paramref name="done"/> or <paramref name="failed"/> hears how it ended, in a later step or this one.</summary>
    public void ChangeMembership(MembershipChange change, Action<Membership> done, Action<Exception> failed) => Step(() =>
    {
        _world.Trace.Add($"n{Id} asked to change the membership: {change}");
        _node.ChangeMembership(change, new SimReply<Membership>(done, failed));
    });

    /// <summary>If this replica leads, starts handing its leadership to <paramref name="successor"/>.</summary>
    public void TransferLeadership(int successor) => Step(() =>
    {
        if (_node.TransferLeadership(successor))
        {
            _transferTo = successor;
        }
    });

    /// <summary>The core's options for node <paramref name="nodeId"/>, with the planted core bugs switched on as asked.</summary>
    private static ReplicaOptions Options(int nodeId, PaxosWorld world) => new()
    {
        NodeId = nodeId,
        ClusterSize = world.FoundingNodes,
        HeartbeatTicks = world.Tuning.HeartbeatTicks,
        ElectionTicks = world.Tuning.ElectionTicks,
        MaxInflightSlots = world.Tuning.MaxInflightSlots,
        MaxEntriesPerMessage = world.Tuning.MaxEntriesPerMessage,
        MaxCommittedEntriesPerReady = world.Tuning.MaxCommittedEntriesPerReady,
        MaxBatchCommands = world.Tuning.MaxBatchCommands,
        SnapshotRetryTicks = 30,
        PreVote = world.PreVote,
        PlantIgnoreAccepted = world.Bug == PlantedBug.IgnoreAccepted,
        PlantSkipRecovery = world.Bug == PlantedBug.SkipRecovery,
        PlantLeaveStranded = world.Bug == PlantedBug.LeaveStranded,
        PlantStaleMembership = world.Bug == PlantedBug.StaleMembership,
    };

    private void ScheduleTick() => _world.Cluster.SetTimer(Id, TickInterval, replica =>
    {
        replica.Step(replica._node.Tick);
        replica.ScheduleTick();
    });

    private void ScheduleLeaseCheck() => _world.Cluster.SetTimer(Id, Node.Leases.LeaseKeeper.CheckInterval, replica =>
    {
        replica.Step(replica._leases.Check);
        replica.ScheduleLeaseCheck();
    });

    /// <summary>Handles one input, then runs the node's round, as the driver's loop does; a disk that fails stops the node, as it stops the process.</summary>
    private void Step(Action input) => Guard(() =>
    {
        try
        {
            input();
            _node.RunRound();
        }
        catch (SimDiskFaultException e)
        {
            StopOnDiskFault(e);
            return;
        }

        if (_transferTo >= 0 && _node.Role == ReplicaRole.Follower && _node.LeaderId >= 0)
        {
            _world.CompletedTransfers += _node.LeaderId == _transferTo ? 1 : 0;
            _transferTo = -1;
        }
    });

    /// <summary>
    /// The driver stops the process when the log cannot be written: what was not fsynced may be lost
    /// (the disk may have dropped it), so the node crashes as in a power loss, and restarts once its
    /// disk works again.
    /// </summary>
    private void StopOnDiskFault(SimDiskFaultException error)
    {
        _world.Trace.Add($"n{Id} STOPS: the replica's log could not be written ({error.Message})");
        _world.Cluster.Crash(Id, tearLastWrite: false);
        RestartWhenTheDiskWorks(_world, Id, _context.Disk);
    }

    private static void RestartWhenTheDiskWorks(PaxosWorld world, int node, SimFileSystem disk) =>
        world.Scheduler.ScheduleAfter(TimeSpan.FromMilliseconds(100), () =>
        {
            if (disk.Full)
            {
                RestartWhenTheDiskWorks(world, node, disk);
            }
            else
            {
                world.Cluster.Restart(node);
            }
        });

    /// <summary>
    /// Receives a snapshot as the gRPC service does (written to the store, handed to the node), but
    /// without the service's shortcut for one that is not ahead of the node: that answer can be stale
    /// by the time the node installs, so the node must refuse such a snapshot itself, and every
    /// duplicated or late transfer tests that it does.
    /// </summary>
    private void InstallSnapshot(int from, SnapshotPacket packet)
    {
        using SnapshotWriter writer = _snapshots.BeginReceive(packet.Index, packet.Metadata);
        writer.Write(packet.Content);
        _node.InstallSnapshot(writer, new SimReply<ulong>(
            _ => { },
            error => _world.Trace.Add($"n{Id} refused n{from}'s snapshot at slot {packet.Index}: {error.Message}")));
    }

    private void Reply(ClientRequest request, Exception error) => Reply(
        request, error is NotLeaderException ? ClientResponseKind.NotLeader : ClientResponseKind.Retry, null, (error as NotLeaderException)?.LeaderHint);

    private void Reply(ClientRequest request, ClientResponseKind kind, KvOutput? output, int? leaderHint = null) =>
        _world.ClientNetwork.Send(Id, _world.ClientEndpoint(request.Client), new ClientResponse(request.RequestId, kind, output, leaderHint ?? _node.LeaderId));

    /// <summary>Runs <paramref name="step"/>, reporting an invariant violation, or a disk the production code cannot read back, as a safety violation of this node.</summary>
    private T Guard<T>(Func<T> step)
    {
        try
        {
            return step();
        }
        catch (Exception e) when (e is InvariantViolationException or IOException)
        {
            throw new SafetyViolationException($"n{Id} (incarnation {_context.Incarnation}) stopped: {e.GetType().Name}: {e.Message}");
        }
    }

    private void Guard(Action step) => Guard(() =>
    {
        step();
        return true;
    });
}
