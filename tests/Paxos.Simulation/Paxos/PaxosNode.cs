using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.KeyValue;
using Paxos.Checking;
using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// One simulated replica process: the production <see cref="ReplicaCore"/> and
/// <see cref="KeyValueStateMachine"/> driven deterministically (no threads, tasks or timers; every
/// input is an event of the simulation). It follows the core's driver rules: for each Ready it
/// appends the hard state and entries to its <see cref="ReplicaStorage"/> and syncs before sending
/// the messages, applies committed slots in order (each command gets the next index of the log of
/// all commands, as in the production node), answers read states once applied up to their index,
/// sends its latest snapshot to lagging peers, and snapshots and compacts every
/// <see cref="ReplicaTuning.SnapshotEverySlots"/> applied slots. A restart constructs a new process from exactly
/// what its disk kept.
/// </summary>
/// <remarks>
/// Planted bugs living here: forget-promise (a restarted acceptor recovers its promised ballot as
/// zero), ack-before-fsync (messages, and so acknowledgements, leave before the fsync, which a
/// background flush does later), stale-read (a node that believes it leads answers a Get from its
/// local state without a read index).
/// </remarks>
internal sealed class PaxosNode
{
    /// <summary>The interval of the core's logical clock, in local time.</summary>
    public static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(10);

    private static readonly TimeSpan BackgroundFlushInterval = TimeSpan.FromMilliseconds(50);

    private readonly PaxosWorld _world;
    private readonly SimNodeContext _context;
    private readonly ReplicaStorage _storage;
    private readonly ReplicaCore _core;
    private readonly KeyValueStateMachine _store = new();
    private readonly ProposalBook<ClientRequest> _writes = new();
    private readonly Dictionary<ulong, ClientRequest> _readsAwaitingQuorum = [];
    private readonly List<(ulong Index, ClientRequest Request)> _readsAwaitingApply = [];
    private byte[] _snapshot;
    private ulong _appliedSlot;
    private ulong _nextReadId;
    private int _transferTo = -1;

    /// <summary>Starts a replica process from what <paramref name="context"/>'s disk holds.</summary>
    public PaxosNode(SimNodeContext context, PaxosWorld world)
    {
        _context = context;
        _world = world;
        _storage = ReplicaStorage.Open(context.Disk, out RecoveredState recovered);
        DurableState durable = recovered.Durable;
        if (world.Bug == PlantedBug.ForgetPromise)
        {
            durable = durable with { HardState = durable.HardState with { Promised = Ballot.Zero } };
        }

        _core = new ReplicaCore(Options(context.NodeId, world), new SimRandomSource(world.Random.Fork()), durable);
        _nextReadId = (ulong)context.Incarnation << 40; // read ids never repeat across restarts (ReplicaCore.ReadIndex)
        _snapshot = recovered.SnapshotData ?? [];
        if (recovered.SnapshotData is { } data)
        {
            _store.RestoreSnapshot(new MemoryStream(data, writable: false));
        }

        _appliedSlot = durable.SnapshotIndex;
        world.Trace.Add($"n{Id} starts (incarnation {context.Incarnation}): {recovered.Records} log records, promised {durable.HardState.Promised}"
            + $"{(world.Bug == PlantedBug.ForgetPromise ? " (planted forget-promise: recovered as 0.0)" : "")}, commit {durable.HardState.CommitIndex}, snapshot at slot {durable.SnapshotIndex}"
            + $"{(recovered.TornBytesCut > 0 ? $", cut a torn tail of {recovered.TornBytesCut} bytes" : "")}");
    }

    /// <summary>True if this replica believes it leads.</summary>
    public bool IsLeader => _core.Role == ReplicaRole.Leader;

    /// <summary>The last slot this replica applied (or installed by snapshot).</summary>
    public ulong AppliedSlot => _appliedSlot;

    /// <summary>The highest slot this replica holds an accepted entry for.</summary>
    public ulong LastAcceptedSlot => _core.LastAcceptedSlot;

    private int Id => _context.NodeId;

    /// <summary>The core's options for node <paramref name="nodeId"/>, with the planted core bugs switched on as asked.</summary>
    private static ReplicaOptions Options(int nodeId, PaxosWorld world) => new()
    {
        NodeId = nodeId,
        ClusterSize = world.NodeCount,
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
    };

    /// <summary>Starts the process's timers: the core's tick and, with ack-before-fsync, the background flush.</summary>
    public void Start()
    {
        ScheduleTick();
        if (_world.Bug == PlantedBug.AckBeforeFsync)
        {
            ScheduleFlush();
        }
    }

    /// <summary>Handles a packet from replica <paramref name="from"/>.</summary>
    public void ReceivePeer(int from, PeerPacket packet) => Guard(() =>
    {
        switch (packet)
        {
            case ProtocolPacket p:
                _core.Step(p.Message);
                break;
            case SnapshotPacket s:
                InstallSnapshot(from, s);
                break;
        }

        Drain();
    });

    /// <summary>Handles a client's request.</summary>
    public void ReceiveClient(ClientRequest request) => Guard(() =>
    {
        if (request.Input.Kind == KvOperationKind.Get)
        {
            StartRead(request);
        }
        else
        {
            Propose(request);
        }

        Drain();
    });

    /// <summary>If this replica leads, starts handing its leadership to <paramref name="successor"/>.</summary>
    public void TransferLeadership(int successor) => Guard(() =>
    {
        if (_core.TransferLeadership(successor))
        {
            _transferTo = successor;
            _world.Trace.Add($"n{Id} hands its leadership to n{successor}");
        }

        Drain();
    });

    private void ScheduleTick() => _world.Cluster.SetTimer(Id, TickInterval, node => node.OnTick());

    private void OnTick()
    {
        Guard(() =>
        {
            _core.Tick();
            Drain();
        });
        ScheduleTick();
    }

    /// <summary>Runs <paramref name="step"/>, reporting a core invariant violation as a safety violation of this node.</summary>
    private void Guard(Action step)
    {
        try
        {
            step();
        }
        catch (InvariantViolationException e)
        {
            throw new SafetyViolationException($"n{Id} (incarnation {_context.Incarnation}) stopped on a core invariant: {e.Message}");
        }
    }

    private void ScheduleFlush() => _world.Cluster.SetTimer(Id, BackgroundFlushInterval, node =>
    {
        node._storage.Sync();
        node.ScheduleFlush();
    });

    private void Propose(ClientRequest request)
    {
        byte[] command = KvTranslation.EncodeWrite(request.Input, ClientId(request.Client), request.RequestId);
        ProposeResult result = _core.Propose(command);
        switch (result.Status)
        {
            case ProposeStatus.Accepted:
                _writes.Propose(result.Slot, result.Origin, result.Position, request);
                break;
            case ProposeStatus.NotLeader:
                Reply(request, ClientResponseKind.NotLeader, null);
                break;
            default:
                Reply(request, ClientResponseKind.Retry, null);
                break;
        }
    }

    private void StartRead(ClientRequest request)
    {
        if (_world.Bug == PlantedBug.StaleRead)
        {
            // Planted bug: a node that believes it leads answers from its local state, with no read index.
            Reply(request, IsLeader ? ClientResponseKind.Done : ClientResponseKind.NotLeader, IsLeader ? KvTranslation.Read(_store, request.Input.Key) : null);
            return;
        }

        ulong id = ++_nextReadId;
        ReadIndexResult result = _core.ReadIndex(id);
        switch (result.Status)
        {
            case ReadIndexStatus.Accepted:
                _readsAwaitingQuorum.Add(id, request);
                break;
            case ReadIndexStatus.NotLeader:
                Reply(request, ClientResponseKind.NotLeader, null);
                break;
            default:
                Reply(request, ClientResponseKind.Retry, null);
                break;
        }
    }

    private void Drain()
    {
        while (_core.HasReady())
        {
            Process(_core.TakeReady());
        }

        if (_core.AppliedIndex - _core.SnapshotIndex >= (ulong)_world.Tuning.SnapshotEverySlots)
        {
            TakeSnapshot();
        }
    }

    private void Process(Ready ready)
    {
        bool persist = ready.HardState is not null || ready.Entries.Count > 0;
        if (persist)
        {
            _storage.Append(ready.HardState, ready.Entries);
            if (ready.MustSync && _world.Bug != PlantedBug.AckBeforeFsync)
            {
                _storage.Sync();
            }
        }

        foreach (ReplicaMessage message in ready.Messages)
        {
            _world.PeerNetwork.Send(Id, message.To, new ProtocolPacket(message));
        }

        foreach (LogEntry entry in ready.CommittedEntries)
        {
            Apply(entry);
        }

        foreach (ReadState state in ready.ReadStates)
        {
            if (_readsAwaitingQuorum.Remove(state.RequestId, out ClientRequest? request))
            {
                _readsAwaitingApply.Add((state.Index, request));
            }
        }

        foreach (ulong failed in ready.FailedReads)
        {
            if (_readsAwaitingQuorum.Remove(failed, out ClientRequest? request))
            {
                Reply(request, ClientResponseKind.NotLeader, null);
            }
        }

        foreach (SnapshotTransfer transfer in ready.SnapshotsToSend)
        {
            _world.PeerNetwork.Send(Id, transfer.To, new SnapshotPacket(_core.SnapshotIndex, _snapshot));
        }

        if (ready.SoftState is { } soft)
        {
            OnSoftState(soft);
        }

        _core.Advance(ready);
        AnswerAppliedReads();
    }

    private void Apply(LogEntry entry)
    {
        _world.Monitor.OnApplied(Id, _context.Incarnation, _appliedSlot, entry);
        ProposalBook<ClientRequest>.SlotWaiters waiting = _writes.Settle(entry);
        IReadOnlyList<ReadOnlyMemory<byte>> commands = entry.Value.Commands;
        for (int position = 0; position < commands.Count; position++)
        {
            byte[] result = _store.Apply(_store.LastAppliedIndex + 1, commands[position].Span);
            if (waiting.TryGetChosen(position, out ClientRequest? request))
            {
                KvOutput? output = KvTranslation.DecodeWriteResult(result);
                Reply(request, output is null ? ClientResponseKind.Retry : ClientResponseKind.Done, output);
            }
        }

        foreach (ClientRequest lost in waiting.NotChosen)
        {
            Reply(lost, ClientResponseKind.Retry, null);
        }

        _appliedSlot = entry.Slot;
    }

    private void OnSoftState(SoftState soft)
    {
        _world.Trace.Add($"n{Id} is {soft.Role} in ballot {soft.Ballot}{(soft.LeaderId >= 0 ? $", leader n{soft.LeaderId}" : "")}");
        if (soft.Role == ReplicaRole.Follower && soft.LeaderId >= 0 && _transferTo >= 0)
        {
            _world.CompletedTransfers += soft.LeaderId == _transferTo ? 1 : 0;
            _transferTo = -1;
        }
    }

    private void AnswerAppliedReads()
    {
        _readsAwaitingApply.RemoveAll(pending =>
        {
            if (pending.Index > _appliedSlot)
            {
                return false;
            }

            Reply(pending.Request, ClientResponseKind.Done, KvTranslation.Read(_store, pending.Request.Input.Key));
            return true;
        });
    }

    private void TakeSnapshot()
    {
        using var buffer = new MemoryStream();
        _store.WriteSnapshot(buffer);
        byte[] data = buffer.ToArray();
        _storage.SaveSnapshot(_core.AppliedIndex, data);
        _core.Compact(_core.AppliedIndex);
        _snapshot = data;
    }

    /// <summary>Restores a peer's snapshot if it is ahead of what this node applied, persists it, and tells the core.</summary>
    private void InstallSnapshot(int from, SnapshotPacket packet)
    {
        if (packet.Slot <= _core.AppliedIndex)
        {
            return;
        }

        _store.RestoreSnapshot(new MemoryStream(packet.Data, writable: false));
        _storage.SaveSnapshot(packet.Slot, packet.Data);
        _snapshot = packet.Data;
        foreach ((_, ClientRequest covered) in _writes.TakeThrough(packet.Slot))
        {
            Reply(covered, ClientResponseKind.Retry, null);
        }

        _world.Trace.Add($"n{Id} installed n{from}'s snapshot at slot {packet.Slot} (applied was {_appliedSlot})");
        _core.ReportSnapshotInstalled(packet.Slot);
        _appliedSlot = packet.Slot;
        AnswerAppliedReads();
    }

    private void Reply(ClientRequest request, ClientResponseKind kind, KvOutput? output) =>
        _world.ClientNetwork.Send(Id, _world.ClientEndpoint(request.Client), new ClientResponse(request.RequestId, kind, output, _core.LeaderId));

    /// <summary>The exactly-once client id of client <paramref name="client"/>.</summary>
    private static string ClientId(int client) => $"client-{client}";
}
