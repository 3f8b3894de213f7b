using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.Node.Hosting;
using Paxos.Storage.Replication;
using Paxos.Storage.Snapshots;
using Paxos.Storage.Wal;

namespace Paxos.Node.Replication;

/// <summary>
/// One replica, deterministic and synchronous: the only code that touches the
/// <see cref="ReplicaCore"/>, its log store and the state machine. Its inputs (clock ticks, peer
/// messages, commands, read barriers, received snapshots) each change the core's state; then
/// <see cref="RunRound"/> carries out each <see cref="Ready"/> in the required order: requests
/// leave, persist with one fsync, replies leave, apply in slot order, answer reads,
/// <see cref="ReplicaCore.Advance"/>; and takes a snapshot when one is due. Inputs handled between
/// two rounds are batched into slots and their records into one fsync. It has no thread, timer or
/// clock of its own: <see cref="ReplicaDriver"/> runs it in a process, the simulator in a seed.
/// </summary>
public sealed partial class ReplicaNode : IDisposable
{
    private const int MaxWaitingProposals = 65_536;

    /// <summary>Membership changes proposed here and waiting for their slots: one per leadership at most, so a handful.</summary>
    private const int MaxWaitingChanges = 16;

    /// <summary>How often (in ticks) forwards that were cancelled or timed out are swept.</summary>
    private const int ForwardSweepTicks = 4;

    /// <summary>
    /// Also snapshot once this many bytes of commands were applied since the last snapshot, or as
    /// many as the last snapshot held if that is more: the log before a snapshot stays in memory, and
    /// slots of large batches fill it long before the slot interval is reached; but writing a state
    /// larger than the commands it replaces would write every byte several times over (50 values of
    /// 1 MiB were rewritten, and sent to lagging followers, every 16 writes).
    /// </summary>
    private const long SnapshotCommandBytes = 16L * 1024 * 1024;

    private readonly ReplicaCore _core;
    private readonly ReplicaLogStore _store;
    private readonly IStateMachine _stateMachine;
    private readonly ReplicaSnapshots _snapshots;
    private readonly IReplicaPeers _peers;
    private readonly LeaderPlacement? _placement;
    private readonly NodeMetrics? _metrics;
    private readonly ulong _snapshotInterval;
    private readonly TimeSpan _tick;
    private readonly ILogger _logger;
    private readonly ReplicaTestHooks _hooks;
    private readonly ProposalBook<PendingProposal> _proposals = new();
    private readonly Queue<PendingProposal> _busy = new();
    private readonly IdentifiedCommands _identified;
    private readonly Dictionary<ulong, IReplicaReply<ReplicaOutcome<ulong>>> _readsAwaitingQuorum = [];
    private readonly List<(ulong Index, IReplicaReply<ReplicaOutcome<ulong>> Read)> _readsAwaitingApply = [];
    private readonly ForwardedProposals _forwarded;
    private readonly RunUniqueIds _readIds;
    private int _leaderSeen = -1;
    private long _ticks;
    private ulong _commandIndex;
    private ulong _appliedSlot;

    /// <summary>The slot of the last snapshot captured (written or still being written) or installed: when the next is due.</summary>
    private ulong _lastSnapshotSlot;

    /// <summary>The snapshot handed to the driver and being written off the loop, if one is; the next waits for it.</summary>
    private SnapshotInProgress? _snapshotInProgress;

    private long _commandBytesSinceSnapshot;
    private long _lastSnapshotBytes;

    /// <summary>The membership of the configuration a node without a snapshot starts from, and of a received snapshot of the old format.</summary>
    private readonly Membership _founding;

    /// <summary>The membership chosen as of <see cref="_appliedSlot"/>: from the snapshot, then each applied membership slot.</summary>
    private Membership _membership;

    /// <summary>Membership changes this node proposed, by slot: the origin of the value proposed and who waits.</summary>
    private readonly Dictionary<ulong, (Ballot Origin, IReplicaReply<ReplicaOutcome<Membership>> Reply)> _changes = [];

    /// <summary>Per node number: the highest applied index it reported in a heartbeat reply (whom to hand the leadership to).</summary>
    private readonly ulong[] _peerApplied = new ulong[Membership.MaxNumbers];

    private ReplicaNode(ReplicaNodeOptions options, ReplicaCore core, ReplicaLogStore store, ReplicaSnapshots snapshots, IReplicaPeers peers,
        SnapshotPoint restored)
    {
        Invariant.Check(options.SnapshotInterval >= 1, "snapshot interval must be at least one slot");
        _core = core;
        _store = store;
        _stateMachine = options.StateMachine;
        _identified = new IdentifiedCommands(options.StateMachine);
        _snapshots = snapshots;
        _peers = peers;
        _placement = options.Placement;
        _metrics = options.Metrics;
        _snapshotInterval = options.SnapshotInterval;
        _tick = options.Tick;
        _logger = options.Loggers.CreateLogger<ReplicaNode>();
        _hooks = options.TestHooks;
        _appliedSlot = restored.Slot;
        _lastSnapshotSlot = restored.Slot;
        _commandIndex = restored.CommandIndex;
        _founding = options.Founding;
        _membership = restored.Membership;
        _readIds = options.Ids();
        _forwarded = new ForwardedProposals(core.NodeId, peers, options.Ids(), MaxWaitingProposals, options.Tick, options.TestHooks.ForwardTwice);
    }

    /// <summary>This node's number.</summary>
    public int NodeId => _core.NodeId;

    /// <summary>The node's role now.</summary>
    public ReplicaRole Role => _core.Role;

    /// <summary>The leader this node knows of, or -1.</summary>
    public int LeaderId => _core.LeaderId;

    /// <summary>The last slot the state machine reflects (applied, or installed by snapshot).</summary>
    public ulong AppliedSlot => _appliedSlot;

    /// <summary>The highest slot this replica holds an accepted entry for.</summary>
    public ulong LastAcceptedSlot => _core.LastAcceptedSlot;

    /// <summary>
    /// Recovers a replica from its durable state: restores <see cref="ReplicaNodeOptions.StateMachine"/>
    /// and the membership from the latest snapshot in <paramref name="snapshots"/> (which it keeps taking
    /// and receiving), then replays the log in <see cref="ReplicaNodeOptions.LogDirectory"/> above it. On
    /// the first start (no snapshot yet) it first takes a snapshot at slot 0 holding
    /// <see cref="ReplicaNodeOptions.Membership"/>, so that the membership a node started from survives
    /// every restart, checksummed like any snapshot, and the option never counts again.
    /// </summary>
    /// <exception cref="SnapshotCorruptionException">The latest snapshot fails verification.</exception>
    /// <exception cref="WalCorruptionException">The log is damaged before its tail.</exception>
    public static ReplicaNode Open(ReplicaNodeOptions options, ReplicaSnapshots snapshots, IReplicaPeers peers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(snapshots);
        ArgumentNullException.ThrowIfNull(peers);
        var restored = new SnapshotPoint(0, 0, options.Founding);
        using (var latest = snapshots.OpenLatest())
        {
            if (latest is not null)
            {
                restored = ReplicaSnapshots.Restore(options.StateMachine, latest, options.Founding);
            }
            else
            {
                snapshots.Take(options.StateMachine.WriteSnapshot, 0, 0, options.Founding); // before the log is written: a crash in between finds no snapshot and takes it again
            }
        }
        var walOptions = new WalOptions
        {
            MaxRecordSize = ReplicaLogStore.MaxRecordBytes,
            FileSystem = options.FileSystem,
            Logger = options.Loggers.CreateLogger<ReplicaLogStore>(),
            SegmentSize = options.LogSegmentBytes ?? new WalOptions().SegmentSize,
        };
        var store = ReplicaLogStore.Open(options.LogDirectory, walOptions, options.TestHooks.ForgetPromise);
        try
        {
            var core = new ReplicaCore(options.Core, options.Random, store.Recover(restored.Slot) with { Membership = restored.Membership });
            var node = new ReplicaNode(options, core, store, snapshots, peers, restored);
            node.AdoptMembership(restored.Membership);
            return node;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>The node's current view: role, ballot, leader, commit and applied slot, membership, stamped <paramref name="taken"/>.</summary>
    public ReplicaStatus Status(long taken) => new(
        _core.Role switch { ReplicaRole.Leader => "leader", ReplicaRole.Candidate => "candidate", _ => "follower" },
        _core.Promised, _core.LeaderId, _core.CommitIndex, _appliedSlot, _core.SnapshotIndex,
        _core.LeaderCommitIndex, _core.LeaderSilentTicks * _tick, taken, _membership, IsRemoved);

    /// <summary>One tick of the core's clock; also places the leadership and sweeps forwards.</summary>
    public void Tick()
    {
        _core.Tick();
        PlaceLeader();
        if (++_ticks % ForwardSweepTicks == 0)
        {
            _forwarded.Sweep(_leaderSeen, _ticks);
        }
    }

    /// <summary>Messages from a peer: forwarded commands and their answers here, protocol messages to the core.</summary>
    public void Receive(IReadOnlyList<ReplicaMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var message in messages)
        {
            switch (message)
            {
                case ForwardProposal forward:
                    Propose(new ForwardedCommand(forward, _peers), busyQueue: false);
                    break;
                case ForwardResult result:
                    _forwarded.Complete(result);
                    break;
                default:
                    _core.Step(message);
                    NotePeerProgress(message);
                    break;
            }
        }
    }

    /// <summary>
    /// Replicates <paramref name="command"/> through the log; <paramref name="reply"/> hears
    /// <see cref="ReplicaOutcomeKind.Done"/> once it is chosen and applied, with the state machine's
    /// result. A node that does not lead forwards the command to the leader it knows and answers with
    /// the leader's answer. Otherwise: <see cref="ReplicaOutcomeKind.NotLeader"/> when no leader is
    /// known or the leader asked no longer leads (the command was not proposed),
    /// <see cref="ReplicaOutcomeKind.NotChosen"/> if leadership changed and another value was chosen
    /// in its slot, <see cref="ReplicaOutcomeKind.Unknown"/> when the node it was forwarded to did not
    /// answer in time or could not tell the outcome, <see cref="ReplicaOutcomeKind.Overloaded"/> and
    /// <see cref="ReplicaOutcomeKind.TooLarge"/> when it was not proposed.
    /// </summary>
    public void Propose(ReadOnlyMemory<byte> command, IReplicaReply<ReplicaOutcome<ReplicationResult>> reply) =>
        Propose(new LocalProposal(command, reply), busyQueue: false);

    /// <summary>
    /// A linearizable read barrier (read index): <paramref name="reply"/> hears
    /// <see cref="ReplicaOutcomeKind.Done"/>, with the applied slot, once the leader's leadership was
    /// confirmed by a quorum after this call and this node has applied everything the leader had chosen
    /// by then. On a follower the leader is asked for that index. <see cref="ReplicaOutcomeKind.NotLeader"/>
    /// if no leader is known, or the leader changed, did not answer in time or has too many reads waiting.
    /// </summary>
    public void ReadBarrier(IReplicaReply<ReplicaOutcome<ulong>> reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (reply.IsDone)
        {
            return;
        }
        if (_hooks.LeaderReadsLocally && _core.Role == ReplicaRole.Leader)
        {
            reply.Answer(ReplicaOutcome<ulong>.Done(_appliedSlot)); // planted bug: no read index
            return;
        }
        ulong id = _readIds.Next(); // unique across restarts (ReplicaCore.ReadIndex)
        var result = _core.ReadIndex(id);
        switch (result.Status)
        {
            case ReadIndexStatus.Accepted:
                _readsAwaitingQuorum.Add(id, reply);
                break;
            case ReadIndexStatus.NotLeader:
                reply.Answer(ReplicaOutcome<ulong>.NotLeader(result.LeaderHint));
                break;
            default:
                reply.Answer(ReplicaOutcome<ulong>.NotLeader(_core.LeaderId)); // overloaded: let the client retry
                break;
        }
    }

    /// <summary>
    /// After a snapshot from the leader was received, before it is committed: if it is ahead of this
    /// replica, restores the state machine from it and only then commits it to the snapshot store
    /// (replacing the older ones). <paramref name="reply"/> hears the slot this replica has applied
    /// afterwards, or an <see cref="InvalidDataException"/> if the state machine cannot restore it: the
    /// replica then keeps its state and the store its snapshots.
    /// </summary>
    public void InstallSnapshot(SnapshotWriter received, IReplicaReply<ulong> reply)
    {
        ArgumentNullException.ThrowIfNull(received);
        ArgumentNullException.ThrowIfNull(reply);
        if ((ulong)received.Index <= _appliedSlot && !_hooks.InstallOlderSnapshot)
        {
            reply.Answer(_appliedSlot);
            return;
        }
        SnapshotPoint point;
        try
        {
            point = ReplicaSnapshots.Restore(_stateMachine, received, _founding);
        }
        catch (Exception e) when (e is not (IOException or InvariantViolationException))
        {
            LogSnapshotRefused(received.Index, e.GetType().Name, e.Message, _appliedSlot);
            reply.Fail(new InvalidDataException(
                $"the snapshot at slot {received.Index} could not be restored ({e.GetType().Name}: {e.Message}); node {_core.NodeId} keeps its state at slot {_appliedSlot}", e));
            return;
        }
        received.Commit();
        ulong slot = point.Slot;
        foreach (var (covered, proposal) in _proposals.TakeThrough(slot))
        {
            proposal.Answer(ReplicaOutcome<ReplicationResult>.Unknown($"slot {covered} was covered by a snapshot from the leader before this node learned its value"));
        }
        foreach (var (covered, waiting) in TakeChangesThrough(slot))
        {
            waiting.Answer(ReplicaOutcome<Membership>.Unknown($"the membership change in slot {covered} was covered by a snapshot from the leader before this node learned its value"));
        }
        _appliedSlot = slot;
        _commandIndex = point.CommandIndex;
        _lastSnapshotSlot = slot;
        _lastSnapshotBytes = received.ContentLength;
        _commandBytesSinceSnapshot = 0;
        _core.ReportSnapshotInstalled(slot, point.Membership);
        _store.Checkpoint(slot, _core.RetainedEntries());
        AdoptMembership(point.Membership);
        CompleteAppliedReads();
        _metrics?.SnapshotsInstalled.Inc();
        LogInstalled(slot);
        reply.Answer(slot);
    }

    /// <summary>If this node leads, starts handing its leadership to <paramref name="successor"/>; true if it did.</summary>
    public bool TransferLeadership(int successor)
    {
        if (!_core.TransferLeadership(successor))
        {
            return false;
        }
        LogTransfer(successor);
        return true;
    }

    /// <summary>
    /// Carries out what the inputs since the last round made ready: retries commands that waited for
    /// room in the pipeline, processes every <see cref="Ready"/> (after which the state machine reflects
    /// every slot the core handed out). After it the driver asks for a snapshot to write
    /// (<see cref="TakeSnapshotToWrite"/>), writes it off the loop and hands it back (<see cref="SnapshotWritten"/>).
    /// Throws <see cref="IOException"/> if the log cannot be written (nothing depending on it has left)
    /// and <see cref="InvariantViolationException"/> on a broken invariant: the node must stop.
    /// </summary>
    public void RunRound()
    {
        while (_busy.Count > 0 && Propose(_busy.Peek(), busyQueue: true))
        {
            _busy.Dequeue();
        }
        while (_core.HasReady())
        {
            Process(_core.TakeReady());
        }
        Invariant.Check(_appliedSlot == _core.AppliedIndex, $"the state machine reflects slot {_appliedSlot}, the core handed out slots up to {_core.AppliedIndex}");
        Invariant.Check(_membership.Slot <= _appliedSlot && _membership.Slot <= _core.Membership.Slot, "the applied membership was chosen at or below the applied slot, and is not newer than the committed one");
    }

    /// <summary>
    /// On the loop, after <see cref="RunRound"/>: if a snapshot is due and none is being written, captures one
    /// at the applied slot and returns it; write it (<see cref="SnapshotInProgress.Write"/>) on any thread, then
    /// hand it back to the loop with <see cref="SnapshotWritten"/>. Null if none is due. No other snapshot is
    /// captured until it is handed back.
    /// </summary>
    public SnapshotInProgress? TakeSnapshotToWrite()
    {
        if (_snapshotInProgress is not null
            || (_appliedSlot < _lastSnapshotSlot + _snapshotInterval && _commandBytesSinceSnapshot < Math.Max(SnapshotCommandBytes, _lastSnapshotBytes)))
        {
            return null;
        }
        CaptureSnapshot();
        return _snapshotInProgress;
    }

    /// <summary>
    /// On the loop, once <paramref name="snapshot"/> was written: compacts the log up to it (unless a snapshot
    /// from the leader was installed above it meanwhile). Throws what the write failed with (an
    /// <see cref="IOException"/>: the node must stop, as when its log cannot be written).
    /// </summary>
    public void SnapshotWritten(SnapshotInProgress snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        Invariant.Check(ReferenceEquals(snapshot, _snapshotInProgress), "only the snapshot handed out to write comes back");
        _snapshotInProgress = null;
        snapshot.ThrowIfFailed();
        long start = Stopwatch.GetTimestamp();
        if (snapshot.Slot > _core.SnapshotIndex)
        {
            _core.Compact(snapshot.Slot);
            _store.CompleteCheckpoint(snapshot.CheckpointMark);
            LogSnapshot(snapshot.Slot, snapshot.Point.CommandIndex);
        }
        Invariant.Check(_core.SnapshotIndex >= snapshot.Slot && _core.SnapshotIndex <= _appliedSlot, "the log is compacted up to the written snapshot or a newer one, and only up to applied slots");
        _lastSnapshotBytes = snapshot.ContentBytes;
        _metrics?.SnapshotsTaken.Inc();
        _metrics?.SnapshotDuration.Observe((snapshot.LoopTime + Stopwatch.GetElapsedTime(start)).TotalSeconds);
        _metrics?.SnapshotWriteDuration.Observe(snapshot.WriteTime.TotalSeconds);
    }

    /// <summary>Fails every request still waiting with <paramref name="reason"/>: the node is stopping.</summary>
    public void FailEverything(Exception reason)
    {
        foreach (var proposal in _proposals.TakeAll())
        {
            proposal.Fail(reason);
        }
        foreach (var (_, waiting) in TakeChangesThrough(ulong.MaxValue))
        {
            waiting.Fail(reason);
        }
        foreach (var proposal in _busy)
        {
            proposal.Fail(reason);
        }
        _busy.Clear();
        _forwarded.FailAll(reason);
        foreach (var read in _readsAwaitingQuorum.Values)
        {
            read.Fail(reason);
        }
        _readsAwaitingQuorum.Clear();
        foreach (var (_, read) in _readsAwaitingApply)
        {
            read.Fail(reason);
        }
        _readsAwaitingApply.Clear();
    }

    /// <summary>Closes the log (making what was appended durable).</summary>
    public void Dispose() => _store.Dispose();

    private bool Propose(PendingProposal proposal, bool busyQueue)
    {
        if (proposal.IsDone)
        {
            _identified.Drop(proposal);
            return true; // cancelled by its caller before it reached the log
        }
        if (!busyQueue && _core.Role == ReplicaRole.Leader && _identified.TryJoin(proposal))
        {
            return true; // a retry of a command this leader holds: it ends with that one
        }
        var result = _core.Propose(proposal.Command);
        switch (result.Status)
        {
            case ProposeStatus.Accepted:
                _placement?.CountCommand(proposal is ForwardedCommand forwarded ? forwarded.Origin : _core.NodeId);
                _proposals.Propose(result.Slot, result.Origin, result.Position, proposal);
                _identified.Hold(proposal);
                return true;
            case ProposeStatus.Busy:
                if (busyQueue)
                {
                    return false;
                }
                if (_busy.Count >= MaxWaitingProposals)
                {
                    proposal.Answer(ReplicaOutcome<ReplicationResult>.Overloaded($"{_busy.Count} commands are already waiting for the pipeline"));
                    return true;
                }
                _busy.Enqueue(proposal);
                _identified.Hold(proposal);
                return false;
            case ProposeStatus.NotLeader:
                if (proposal is not LocalProposal local || !_forwarded.TryForward(local, result.LeaderHint, _ticks))
                {
                    proposal.Answer(ReplicaOutcome<ReplicationResult>.NotLeader(result.LeaderHint)); // forwarded once at most
                }
                return true;
            default:
                proposal.Answer(ReplicaOutcome<ReplicationResult>.TooLarge());
                return true;
        }
    }

    /// <summary>
    /// On the leader, once per tick: hands the leadership to the node nearly all writes come in
    /// through (<see cref="LeaderPlacement"/>), if its stream is up.
    /// </summary>
    private void PlaceLeader()
    {
        if (_placement is null || _core.Role != ReplicaRole.Leader)
        {
            return;
        }
        int successor = _placement.Tick();
        if (successor >= 0 && successor != _core.NodeId && !_peers.IsDown(successor))
        {
            TransferLeadership(successor);
        }
    }

    private void Process(Ready ready)
    {
        if (_hooks.AckBeforeFsync)
        {
            // Planted bug: every message, acknowledgements included, leaves before the log is written, which is never fsynced here.
            Send(ready.Messages, beforePersisting: true);
            Send(ready.Messages, beforePersisting: false);
            _store.Persist(ready.HardState, ready.Entries, sync: false);
        }
        else
        {
            // Requests leave while the fsync runs; replies only once it is done (Ready.MaySendBeforePersisting).
            Send(ready.Messages, beforePersisting: true);
            long persistStart = Stopwatch.GetTimestamp();
            _store.Persist(ready.HardState, ready.Entries, ready.MustSync);
            if (ready.MustSync)
            {
                _metrics?.WalFsyncDuration.Observe(Stopwatch.GetElapsedTime(persistStart).TotalSeconds);
            }
            Send(ready.Messages, beforePersisting: false);
        }
        foreach (var entry in ready.CommittedEntries)
        {
            Apply(entry);
        }
        foreach (var state in ready.ReadStates)
        {
            if (_readsAwaitingQuorum.Remove(state.RequestId, out var read))
            {
                _readsAwaitingApply.Add((state.Index, read));
            }
        }
        foreach (ulong failed in ready.FailedReads)
        {
            if (_readsAwaitingQuorum.Remove(failed, out var read))
            {
                read.Answer(ReplicaOutcome<ulong>.NotLeader(_core.LeaderId));
            }
        }
        if (ready.SoftState is { } soft)
        {
            OnSoftState(soft);
        }
        foreach (var transfer in ready.SnapshotsToSend)
        {
            _peers.SendSnapshot(transfer.To, transfer.Index);
        }
        _core.Advance(ready);
        CompleteAppliedReads();
    }

    /// <summary>Sends the messages that may leave before the ready is persisted, or those that may not.</summary>
    private void Send(IReadOnlyList<ReplicaMessage> messages, bool beforePersisting)
    {
        foreach (var message in messages)
        {
            if (Ready.MaySendBeforePersisting(message) == beforePersisting)
            {
                _peers.Send(message);
            }
        }
    }

    private void Apply(LogEntry entry)
    {
        Invariant.Check(entry.Slot == _appliedSlot + 1, $"slot {entry.Slot} applied after slot {_appliedSlot}: slots apply in order, each once");
        _hooks.Applying?.Invoke(_appliedSlot, entry);
        var commands = entry.Value.Commands;
        var waiting = _proposals.Settle(entry);
        for (int position = 0; position < commands.Count; position++)
        {
            ulong index = ++_commandIndex;
            _commandBytesSinceSnapshot += commands[position].Length;
            byte[] result = _stateMachine.Apply(index, commands[position].Span);
            if (waiting.TryGetChosen(position, out var proposal))
            {
                proposal.Answer(ReplicaOutcome<ReplicationResult>.Done(new ReplicationResult(entry.Slot, index, result)));
            }
        }
        foreach (var proposal in waiting.NotChosen)
        {
            proposal.Answer(ReplicaOutcome<ReplicationResult>.NotChosen(entry.Slot));
        }
        _metrics?.CommandsApplied.Inc(commands.Count);
        _appliedSlot = entry.Slot;
        if (entry.Value.Membership is { } chosen)
        {
            AdoptMembership(chosen.At(entry.Slot));
        }
        SettleChange(entry);
    }

    /// <summary>
    /// Captures the state machine at the applied slot and rewrites the log's tail above it; the snapshot is
    /// written off the loop, and the log forgets what it covers once it is durable (<see cref="SnapshotWritten"/>).
    /// </summary>
    private void CaptureSnapshot()
    {
        long start = Stopwatch.GetTimestamp();
        Action<Stream> content = _stateMachine.CaptureSnapshot();
        long mark = _store.BeginCheckpoint(_appliedSlot, _core.EntriesAbove(_appliedSlot));
        _snapshotInProgress = new SnapshotInProgress(_snapshots, content, new SnapshotPoint(_appliedSlot, _commandIndex, _membership), mark,
            Stopwatch.GetElapsedTime(start));
        _lastSnapshotSlot = _appliedSlot;
        _commandBytesSinceSnapshot = 0;
    }

    private void CompleteAppliedReads() =>
        _readsAwaitingApply.RemoveAll(pending =>
        {
            if (pending.Index > _appliedSlot)
            {
                return false;
            }
            pending.Read.Answer(ReplicaOutcome<ulong>.Done(_appliedSlot));
            return true;
        });

    private void OnSoftState(SoftState soft)
    {
        LogRole(soft.Role, soft.LeaderId, soft.Ballot);
        if (soft.LeaderId != _leaderSeen)
        {
            _leaderSeen = soft.LeaderId;
            _metrics?.LeaderChanges.Inc();
        }
        _placement?.Reset();
        _forwarded.ShortenNotTo(soft.Role == ReplicaRole.Leader ? -1 : soft.LeaderId, _ticks);
        if (soft.Role == ReplicaRole.Leader)
        {
            return;
        }
        foreach (var proposal in _busy)
        {
            proposal.Answer(ReplicaOutcome<ReplicationResult>.NotLeader(soft.LeaderId));
        }
        _busy.Clear();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "snapshot taken at slot {Slot} (command index {CommandIndex}); log compacted up to it")]
    private partial void LogSnapshot(ulong slot, ulong commandIndex);

    [LoggerMessage(Level = LogLevel.Error, Message = "refused the snapshot at slot {Slot} from the leader: it could not be restored ({Kind}: {Detail}); keeping the state at slot {Applied}")]
    private partial void LogSnapshotRefused(long slot, string kind, string detail, ulong applied);

    [LoggerMessage(Level = LogLevel.Information, Message = "installed the leader's snapshot at slot {Slot}")]
    private partial void LogInstalled(ulong slot);

    [LoggerMessage(Level = LogLevel.Information, Message = "handing the leadership to node {Successor}")]
    private partial void LogTransfer(int successor);

    [LoggerMessage(Level = LogLevel.Information, Message = "role {Role}, leader {Leader}, ballot {Ballot}")]
    private partial void LogRole(ReplicaRole role, int leader, Ballot ballot);
}
