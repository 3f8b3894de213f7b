using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.KeyValue;
using Paxos.Checking;
using Paxos.Node.Hosting;
using Paxos.Node.Replication;
using Paxos.Simulation.Infrastructure;
using Paxos.Storage;
using Paxos.Storage.Snapshots;
using Paxos.Storage.Wal;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// One simulated replica process: the production <see cref="ReplicaNode"/> (its ready processing,
/// forwarding, read barriers, snapshots, and its write-ahead log and snapshot store on the node's
/// <see cref="SimFileSystem"/>) with the production <see cref="KeyValueStateMachine"/>, run
/// deterministically: every input is an event of the simulation, and the node's round runs right
/// after it, in the same step (no threads, tasks or timers). Clients' writes are proposed (a node
/// that does not lead forwards them to the leader), their reads wait for a read barrier; a restart
/// opens a new node from exactly what the disk kept. A failed fsync or a full disk stops the node
/// (it crashes, losing what was unsynced) until the disk works again. A slow disk holds the node
/// back for its fsyncs, and what a step sends leaves only once they are done. A node whose disk was
/// damaged may refuse to start, or stop, when a checksum finds the damage (and only then).
/// </summary>
internal sealed class SimReplica : ISimProcess
{
    /// <summary>The interval of the core's logical clock, in local time.</summary>
    public static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>The smallest log segment in runs with values of the contract's maximum size: several such records fit (production's are 64 MiB).</summary>
    private const int MaximumSizeSegmentBytes = 8 << 20;

    private const string SnapshotDirectory = "/data/snapshots";
    private const string LogDirectory = "/data/log";

    private readonly PaxosWorld _world;
    private readonly SimNodeContext _context;
    private readonly KeyValueStateMachine _store = new();
    private readonly ReplicaSnapshots _snapshots;
    private readonly ReplicaNode _node;
    private readonly List<Action> _outgoing = [];
    private readonly Queue<Action> _waiting = new();
    private TimeSpan _busyUntil;
    private bool _inStep;
    private readonly SimReplicaLeases _leases;
    private bool _tickWaiting;
    private int _transferTo = -1;
    private readonly SimRandom _snapshotDelays;

    /// <summary>Starts a replica process from what <paramref name="context"/>'s disk holds.</summary>
    private SimReplica(SimNodeContext context, PaxosWorld world)
    {
        _context = context;
        _world = world;
        SimRandom random = world.Random.Fork();
        ReplicaOptions core = Options(context.NodeId, world);
        _snapshots = Guard(() => new ReplicaSnapshots(new SnapshotStore(SnapshotDirectory, context.Disk) { PlantSkipRenameSync = world.Bug == PlantedBug.SkipSnapshotDirSync })
        {
            PlantTrustTransfer = world.Bug == PlantedBug.TrustSnapshotInTransit,
        });
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
                LogSegmentBytes = world.MaximumSizeValues ? Math.Max(world.Tuning.LogSegmentBytes, MaximumSizeSegmentBytes) : world.Tuning.LogSegmentBytes,
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
            new SimPeers(context.NodeId, world, _snapshots, core.MaxMessageBytes, Emit)));
        _snapshotDelays = random.Fork(); // after the node took its own: its draws stay what they were before snapshots were written off the loop
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

    /// <summary>
    /// What the state machine holds, rendered whole (every key with its value's checksum, index and
    /// lease, and the last applied command index), for comparing replicas that applied the same slots.
    /// </summary>
    public string StateDigest
    {
        get
        {
            var text = new System.Text.StringBuilder($"applied command {_store.LastAppliedIndex};");
            KeyValuePage page = _store.List(string.Empty, string.Empty, int.MaxValue);
            foreach (KeyValueEntry entry in page.Items)
            {
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $" {entry.Key}@{entry.Index}:{Crc32C.Compute(entry.Value.Span):X8}/{entry.LeaseId}");
            }

            return text.ToString();
        }
    }

    /// <summary>The replica's state machine, whose change feed the watches read.</summary>
    public KeyValueStateMachine Store => _store;

    private int Id => _context.NodeId;

    /// <summary>
    /// Starts a replica process from what <paramref name="context"/>'s disk holds, or returns null if
    /// the disk was damaged and a checksum found it: the process refuses to start, as the real one does.
    /// </summary>
    public static SimReplica? Start(SimNodeContext context, PaxosWorld world)
    {
        try
        {
            return new SimReplica(context, world);
        }
        catch (Exception e) when (FoundDamage(context.Disk, e))
        {
            world.Count("damage found by a checksum");
            world.Trace.Add($"n{context.NodeId} finds its disk damaged: {e.GetType().Name}: {e.Message}");
            return null;
        }
    }

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
            _node.ReadBarrier(new SimReply<ReplicaOutcome<ulong>>(
                barrier => Answer(request, barrier, _ => KvTranslation.Read(_store, request.Input.Key)),
                error => Reply(request, error)));
        }
        else if (request.Input.Kind == KvOperationKind.LeaseKeepAlive)
        {
            _ = _leases.KeepAliveAsync(request.Input.Lease, renewed => Answer(request, renewed, lease => KvOutput.LeaseFound(lease.Found)), error => Reply(request, error));
        }
        else
        {
            string clientId = $"client-{request.Client}";
            _world.Monitor.OnWriteReceived(clientId, request.RequestId);
            byte[] command = KvTranslation.EncodeWrite(request.Input, clientId, request.RequestId, _world.Bug);
            _node.Propose(command, new SimReply<ReplicaOutcome<ReplicationResult>>(
                replicated => Answer(request, replicated, result => KvTranslation.DecodeWriteResult(result.Result)),
                error => Reply(request, error)));
        }
    });

    /// <summary>Asks this replica to change the membership; one of <paramref name="done"/> or <paramref name="failed"/> (with why) hears how it ended, in a later step or this one.</summary>
    public void ChangeMembership(MembershipChange change, Action<Membership> done, Action<string> failed) => Step(() =>
    {
        _world.Trace.Add($"n{Id} asked to change the membership: {change}");
        _node.ChangeMembership(change, new SimReply<ReplicaOutcome<Membership>>(
            outcome =>
            {
                if (outcome.IsDone)
                {
                    done(outcome.Value);
                }
                else
                {
                    failed(outcome.Message);
                }
            },
            error => failed(error.Message)));
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
        PipelineDepth = world.Tuning.PipelineDepth,
        MaxEntriesPerMessage = world.Tuning.MaxEntriesPerMessage,
        MaxCommittedEntriesPerReady = world.Tuning.MaxCommittedEntriesPerReady,
        MaxBatchCommands = world.Tuning.MaxBatchCommands,
        MaxBatchBytes = MessageBudget.MaxBatchBytes, // the production node's byte limits (NodeOptions.ReplicaOptionsFor)
        MaxCommandBytes = MessageBudget.LargestCommandBytes,
        SnapshotRetryTicks = 30,
        PreVote = world.PreVote,
        PlantIgnoreAccepted = world.Bug == PlantedBug.IgnoreAccepted,
        PlantSkipRecovery = world.Bug == PlantedBug.SkipRecovery,
        PlantLeaveStranded = world.Bug == PlantedBug.LeaveStranded,
        PlantStaleMembership = world.Bug == PlantedBug.StaleMembership,
    };

    private void ScheduleTick() => _world.Cluster.SetTimer(Id, TickInterval, replica =>
    {
        if (!replica._tickWaiting)
        {
            replica._tickWaiting = replica.IsBusy; // the driver queues at most one tick
            replica.Step(() =>
            {
                replica._tickWaiting = false;
                replica._node.Tick();
            });
        }

        replica.ScheduleTick();
    });

    private void ScheduleLeaseCheck() => _world.Cluster.SetTimer(Id, Node.Leases.LeaseKeeper.CheckInterval, replica =>
    {
        replica.Step(replica._leases.Check);
        replica.ScheduleLeaseCheck();
    });

    /// <summary>True while the node waits for its slow disk's fsyncs.</summary>
    private bool IsBusy => _world.Scheduler.Now < _busyUntil;

    /// <summary>
    /// Handles <paramref name="input"/> and runs the node's round, as the driver's loop does; while the
    /// node waits for its disk, inputs queue, and the next round handles all of them at once (group
    /// commit), as the driver's loop takes every input waiting in its channel.
    /// </summary>
    private void Step(Action input)
    {
        if (!IsBusy)
        {
            Round([input]);
            return;
        }

        _waiting.Enqueue(input);
        if (_waiting.Count == 1)
        {
            ScheduleDrain();
        }
    }

    private void ScheduleDrain() => _world.Scheduler.Schedule(_busyUntil, () => _world.Cluster.Deliver(Id, replica =>
    {
        if (replica != this || _waiting.Count == 0)
        {
            return;
        }

        var inputs = new List<Action>();
        while (inputs.Count < ReplicaDriver.MaxInputsPerRound && _waiting.TryDequeue(out Action? input))
        {
            inputs.Add(input);
        }

        Round(inputs);
        if (_waiting.Count > 0)
        {
            ScheduleDrain();
        }
    }));

    /// <summary>
    /// Handles <paramref name="inputs"/>, then runs the node's round; a disk that fails, or damage a
    /// checksum finds, stops the node, as it stops the process. What the round sends leaves once its
    /// fsyncs are done: at once, or after the slow disk's latency, during which the node is busy.
    /// </summary>
    private void Round(List<Action> inputs) => Guard(() =>
    {
        SimFileSystem disk = _context.Disk;
        long syncsBefore = disk.Syncs + disk.DirectorySyncs;
        _inStep = true;
        try
        {
            foreach (Action input in inputs)
            {
                input();
            }

            _node.RunRound();
            if (_node.TakeSnapshotToWrite() is { } snapshot)
            {
                ScheduleSnapshotWrite(snapshot);
            }
        }
        catch (SimDiskFaultException e)
        {
            Flush(TimeSpan.Zero);
            StopOnDiskFault(e);
            return;
        }
        catch (Exception e) when (FoundDamage(disk, e))
        {
            _world.Count("damage found by a checksum");
            _outgoing.Clear();
            _world.Trace.Add($"n{Id} STOPS: {e.GetType().Name}: {e.Message}");
            _world.Cluster.Crash(Id, tearLastWrite: false);
            return;
        }
        finally
        {
            _inStep = false;
        }

        Flush(disk.SyncLatency * (disk.Syncs + disk.DirectorySyncs - syncsBefore));

        if (_transferTo >= 0 && _node.Role == ReplicaRole.Follower && _node.LeaderId >= 0)
        {
            _world.CompletedTransfers += _node.LeaderId == _transferTo ? 1 : 0;
            _transferTo = -1;
        }
    });

    /// <summary>
    /// Writes a captured snapshot as the driver does, off the loop: after a random delay of the node's
    /// clock at least its file's fsyncs long, while the node goes on; then hands it back to the loop
    /// after another. A crash before the write loses it (the log was not compacted); one between the
    /// write and the hand-back restarts from it with the log uncompacted; a snapshot installed from the
    /// leader meanwhile supersedes it. A failed write stops the node when the loop hears of it.
    /// </summary>
    private void ScheduleSnapshotWrite(SnapshotInProgress snapshot)
    {
        TimeSpan write = (_context.Disk.SyncLatency * 2) + _snapshotDelays.NextDuration(TimeSpan.Zero, TimeSpan.FromMilliseconds(40));
        TimeSpan handBack = _snapshotDelays.NextDuration(TimeSpan.Zero, TimeSpan.FromMilliseconds(10));
        _world.Cluster.SetTimer(Id, write, _ =>
        {
            snapshot.Write();
            _world.Cluster.SetTimer(Id, handBack, later => later.Step(() =>
            {
                _world.Trace.Add($"n{Id} wrote its snapshot at slot {snapshot.Slot}");
                later._node.SnapshotWritten(snapshot);
            }));
        });
    }

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

    /// <summary>True if <paramref name="error"/> is a checksum's report of damage that <paramref name="disk"/> really has.</summary>
    private static bool FoundDamage(SimFileSystem disk, Exception error) =>
        disk.Damaged && error is WalCorruptionException or SnapshotCorruptionException or StorageCorruptionException;

    /// <summary>Sends now, or has a step's sends wait for its sends' fsyncs to be done.</summary>
    private void Emit(Action send)
    {
        if (_inStep)
        {
            _outgoing.Add(send);
        }
        else
        {
            send();
        }
    }

    /// <summary>Sends what the step sent, after <paramref name="busy"/> (the step's fsyncs on a slow disk), unless the process dies first.</summary>
    private void Flush(TimeSpan busy)
    {
        if (_outgoing.Count == 0)
        {
            return;
        }

        Action[] sends = [.. _outgoing];
        _outgoing.Clear();
        if (busy <= TimeSpan.Zero)
        {
            foreach (Action send in sends)
            {
                send();
            }

            return;
        }

        _busyUntil = _world.Scheduler.Now + busy;
        int incarnation = _context.Incarnation;
        _world.Scheduler.ScheduleAfter(busy, () =>
        {
            if (_world.Cluster.Incarnation(Id) == incarnation && _world.Cluster.IsUp(Id))
            {
                foreach (Action send in sends)
                {
                    send();
                }
            }
        });
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
        SnapshotWriter writer;
        try
        {
            writer = _snapshots.BeginReceive(packet.Index, packet.Metadata, packet.MetadataCrc);
        }
        catch (InvalidDataException e)
        {
            RefuseDamaged(from, packet, e);
            return;
        }

        using (writer)
        {
            writer.Write(packet.Content);
            try
            {
                _snapshots.CheckReceived(writer, packet.ContentCrc);
            }
            catch (InvalidDataException e)
            {
                RefuseDamaged(from, packet, e);
                return;
            }

            _node.InstallSnapshot(writer, new SimReply<ulong>(
                _ => { },
                error => _world.Trace.Add($"n{Id} refused n{from}'s snapshot at slot {packet.Index}: {error.Message}")));
        }
    }

    /// <summary>Counts and traces a snapshot refused because a checksum found it damaged on the way.</summary>
    private void RefuseDamaged(int from, SnapshotPacket packet, InvalidDataException error)
    {
        _world.Count("damaged snapshots refused");
        _world.Trace.Add($"n{Id} refused n{from}'s snapshot at slot {packet.Index}: {error.Message}");
    }

    /// <summary>Answers <paramref name="request"/> with <paramref name="output"/> of a request that is done (retry if that is null), or with the refusal.</summary>
    private void Answer<T>(ClientRequest request, ReplicaOutcome<T> outcome, Func<T, KvOutput?> output)
    {
        if (outcome.IsDone)
        {
            KvOutput? answer = output(outcome.Value);
            Reply(request, answer is null ? ClientResponseKind.Retry : ClientResponseKind.Done, answer);
        }
        else if (outcome.Kind == ReplicaOutcomeKind.NotLeader)
        {
            Reply(request, ClientResponseKind.NotLeader, null, outcome.LeaderHint);
        }
        else
        {
            _world.Trace.Add($"n{Id} refuses c{request.Client}'s request {request.RequestId}: {outcome}");
            Reply(request, ClientResponseKind.Retry, null);
        }
    }

    /// <summary>The node failed <paramref name="request"/> (it stopped): the client retries.</summary>
    private void Reply(ClientRequest request, Exception error)
    {
        _world.Trace.Add($"n{Id} fails c{request.Client}'s request {request.RequestId}: {error.GetType().Name}: {error.Message}");
        Reply(request, ClientResponseKind.Retry, null);
    }

    private void Reply(ClientRequest request, ClientResponseKind kind, KvOutput? output, int? leaderHint = null)
    {
        var response = new ClientResponse(request.RequestId, kind, output, leaderHint ?? _node.LeaderId);
        Emit(() => _world.ClientNetwork.Send(Id, _world.ClientEndpoint(request.Client), response));
    }

    /// <summary>
    /// Runs <paramref name="step"/>, reporting whatever stops the node (an invariant violation, a disk
    /// the production code cannot read back, any exception the driver would stop on) as a safety
    /// violation of this node, unless it is a checksum's report of damage done to its disk on purpose.
    /// </summary>
    private T Guard<T>(Func<T> step)
    {
        try
        {
            return step();
        }
        catch (Exception e) when (e is not SafetyViolationException && !FoundDamage(_context.Disk, e))
        {
            // The driver stops the process on any exception its loop does not expect; the seed fails.
            throw new SafetyViolationException($"n{Id} (incarnation {_context.Incarnation}) stopped: {e.GetType().Name}: {e.Message}");
        }
    }

    private void Guard(Action step) => Guard(() =>
    {
        step();
        return true;
    });
}
