using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.Node.Hosting;
using Paxos.Storage.Replication;
using Paxos.Storage.Snapshots;

namespace Paxos.Node.Replication;

/// <summary>
/// Runs a <see cref="ReplicaCore"/> for real: one loop (the only code that touches the core, the
/// log store and the state machine) takes every queued input (peer messages, client commands,
/// read requests, clock ticks), feeds them to the core, and then carries out each
/// <see cref="Ready"/> in the required order: persist with one fsync, send, apply in slot order,
/// answer reads, <see cref="ReplicaCore.Advance"/>. Inputs that arrive while an fsync runs are
/// handled together in the next round, which is what batches commands into slots and many
/// records into one fsync.
/// </summary>
public sealed partial class ReplicaDriver : IAsyncDisposable
{
    private const int InputCapacity = 65_536;
    private const int MaxInputsPerRound = 8_192;
    private const int MaxWaitingProposals = 65_536;

    /// <summary>A command forwarded to the leader that has no answer after this long fails as outcome unknown.</summary>
    private static readonly TimeSpan ForwardTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Once the node a command was forwarded to no longer leads, how long it still has to answer: a
    /// running node settles its proposals once the new leader's phase 1 has decided their slots and
    /// it has applied them (with slots of 1 MiB values on a loaded machine, more than a second: at
    /// 1 s such writes failed as outcome unknown although they were applied); a stopped one never
    /// answers, and its callers should hear so without waiting for their deadlines.
    /// </summary>
    private static readonly TimeSpan ForwardGraceAfterLeaderChange = TimeSpan.FromSeconds(5);

    /// <summary>How long a command forwarded to a deposed leader whose stream is down still waits for an answer.</summary>
    private static readonly TimeSpan ForwardGraceAfterLeaderGone = TimeSpan.FromSeconds(1);

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
    private readonly IReadOnlyList<PeerOutbox?> _outboxes;
    private readonly ReplicaSnapshots _snapshots;
    private readonly SnapshotSender _snapshotSender;
    private readonly LeaderPlacement? _placement;
    private readonly NodeMetrics _metrics;
    private readonly ulong _snapshotInterval;
    private readonly TimeSpan _tick;
    private readonly ILogger _logger;
    private readonly Action<string, Exception> _fatal;
    private readonly Channel<object> _inputs = Channel.CreateBounded<object>(
        new BoundedChannelOptions(InputCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly ProposalBook<PendingProposal> _proposals = new();
    private readonly Queue<PendingProposal> _busy = new();
    private readonly Dictionary<ulong, PendingRead> _readsAwaitingQuorum = [];
    private readonly Dictionary<ulong, ForwardedProposal> _forwarded = [];
    private readonly long _forwardTimeoutTicks;
    private readonly long _forwardGraceTicks;
    private readonly long _forwardGoneTicks;
    private readonly List<(ulong Index, PendingRead Read)> _readsAwaitingApply = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Task _clock;
    private int _leaderSeen = -1;
    private readonly RunUniqueIds _readIds = RunUniqueIds.StartRandom();
    private readonly RunUniqueIds _forwardIds = RunUniqueIds.StartRandom();
    private long _ticks;
    private int _tickPending;
    private ulong _commandIndex;
    private ulong _appliedSlot;
    private ulong _lastSnapshotSlot;
    private long _commandBytesSinceSnapshot;
    private long _lastSnapshotBytes;
    private volatile ReplicaStatus _status;

    /// <param name="core">The replica, recovered from <paramref name="store"/>.</param>
    /// <param name="store">The durable log the core was recovered from.</param>
    /// <param name="stateMachine">The application, restored to <paramref name="appliedSlot"/>.</param>
    /// <param name="outboxes">One outbox per peer, indexed by node number (null for this node).</param>
    /// <param name="snapshots">Where snapshots are taken, read and received.</param>
    /// <param name="snapshotSender">Streams snapshots to lagging peers.</param>
    /// <param name="appliedSlot">The last slot the state machine reflects (its snapshot's slot).</param>
    /// <param name="appliedCommandIndex">The index of the last command the state machine reflects.</param>
    /// <param name="snapshotInterval">Take a snapshot (and compact the log) every this many applied slots.</param>
    /// <param name="tick">How long one core tick lasts.</param>
    /// <param name="placement">While leading, moves the leadership to the node the writes come in through; null to keep it where elections put it.</param>
    /// <param name="metrics">Where fsync times, leader changes, applied commands and snapshots are counted.</param>
    /// <param name="logger">Where the loop logs leader changes, snapshots and why it stopped.</param>
    /// <param name="fatal">How the loop stops the process when it cannot go on; null: <see cref="Environment.FailFast(string, Exception)"/>.</param>
    public ReplicaDriver(ReplicaCore core, ReplicaLogStore store, IStateMachine stateMachine, IReadOnlyList<PeerOutbox?> outboxes,
        ReplicaSnapshots snapshots, SnapshotSender snapshotSender, ulong appliedSlot, ulong appliedCommandIndex, ulong snapshotInterval, TimeSpan tick,
        LeaderPlacement? placement, NodeMetrics metrics, ILogger logger, Action<string, Exception>? fatal = null)
    {
        Invariant.Check(snapshotInterval >= 1, "snapshot interval must be at least one slot");
        _core = core;
        _store = store;
        _stateMachine = stateMachine;
        _outboxes = outboxes;
        _snapshots = snapshots;
        _snapshotSender = snapshotSender;
        _placement = placement;
        _metrics = metrics;
        _snapshotInterval = snapshotInterval;
        _tick = tick;
        _logger = logger;
        _fatal = fatal ?? Environment.FailFast;
        _appliedSlot = appliedSlot;
        _lastSnapshotSlot = appliedSlot;
        _commandIndex = appliedCommandIndex;
        _forwardTimeoutTicks = Math.Max(1, (long)Math.Ceiling(ForwardTimeout / tick));
        _forwardGraceTicks = Math.Max(1, (long)Math.Ceiling(ForwardGraceAfterLeaderChange / tick));
        _forwardGoneTicks = Math.Max(1, (long)Math.Ceiling(ForwardGraceAfterLeaderGone / tick));
        _status = Snapshot();
        _loop = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        _clock = Task.Run(() => TickAsync(tick));
    }

    /// <summary>The node's current view: role, ballot, leader, commit and applied slot. Safe from any thread.</summary>
    public ReplicaStatus Status => _status;

    /// <summary>
    /// Replicates <paramref name="command"/> through the log: resolves once it is chosen and
    /// applied, with the state machine's result. A node that does not lead forwards the command to
    /// the leader it knows over the peer stream and resolves with the leader's answer. Throws
    /// <see cref="NotLeaderException"/> when no leader is known or the leader asked no longer leads
    /// (the command was not proposed), <see cref="NotChosenException"/> if leadership changed and
    /// another value was chosen in its slot, and <see cref="OutcomeUnknownException"/> when the
    /// node it was forwarded to did not answer in time or could not tell the outcome.
    /// </summary>
    public async Task<ReplicationResult> ReplicateAsync(ReadOnlyMemory<byte> command, CancellationToken cancellationToken)
    {
        var proposal = new LocalProposal(command);
        using var registration = cancellationToken.Register(() => proposal.Completion.TrySetCanceled(cancellationToken));
        await _inputs.Writer.WriteAsync(proposal, cancellationToken).ConfigureAwait(false);
        return await proposal.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// A linearizable read barrier (read index): completes once the leader's leadership was confirmed
    /// by a quorum after this call began and this node's state machine has applied everything the
    /// leader had chosen by then; a read of the state machine after that is linearizable. On a
    /// follower the leader is asked for that index over the peer stream. Returns the applied slot.
    /// Throws <see cref="NotLeaderException"/> if no leader is known, or the leader changed or did not
    /// answer in time.
    /// </summary>
    public async Task<ulong> ReadBarrierAsync(CancellationToken cancellationToken)
    {
        var read = new PendingRead();
        using var registration = cancellationToken.Register(() => read.Completion.TrySetCanceled(cancellationToken));
        await _inputs.Writer.WriteAsync(read, cancellationToken).ConfigureAwait(false);
        return await read.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// After a snapshot from the leader was received, before it is committed: if it is ahead of this
    /// replica, restores the state machine from it and only then commits it to the snapshot store
    /// (replacing the older ones). Returns the slot this replica has applied afterwards. Throws
    /// <see cref="InvalidDataException"/> if the state machine cannot restore it: the replica keeps
    /// its state and the store its snapshots. <paramref name="received"/> is read by the loop until
    /// this completes, so once queued it is not cancelled.
    /// </summary>
    public async Task<ulong> InstallReceivedSnapshotAsync(SnapshotWriter received, CancellationToken cancellationToken)
    {
        var install = new PendingInstall(received);
        await _inputs.Writer.WriteAsync(install, cancellationToken).ConfigureAwait(false);
        return await install.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>Hands messages from a peer to the loop; drops them if the loop is overloaded (peers retry).</summary>
    public void Deliver(List<ReplicaMessage> messages) => _inputs.Writer.TryWrite(messages);

    /// <summary>Stops the loop and the clock, fails what still waits, closes the outboxes and the log.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _inputs.Writer.TryComplete();
        await Task.WhenAll(_loop, _clock).ConfigureAwait(false);
        foreach (var outbox in _outboxes)
        {
            if (outbox is not null)
            {
                await outbox.DisposeAsync().ConfigureAwait(false);
            }
        }
        _store.Dispose();
        _stop.Dispose();
    }

    private async Task TickAsync(TimeSpan tick)
    {
        using var timer = new PeriodicTimer(tick);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                // At most one tick waits in the queue: a loop that stalled (a slow fsync, a starved
                // CPU) must not then run a burst of ticks with no messages between them, which would
                // time out elections and quorum checks that the peers did answer.
                if (Interlocked.Exchange(ref _tickPending, 1) == 0 && !_inputs.Writer.TryWrite(TickInput.Instance))
                {
                    Volatile.Write(ref _tickPending, 0);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private async Task RunAsync()
    {
        var reader = _inputs.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                for (int handled = 0; handled < MaxInputsPerRound && reader.TryRead(out var input); handled++)
                {
                    Handle(input);
                }
                RetryBusyProposals();
                while (_core.HasReady())
                {
                    Process(_core.TakeReady());
                }
                if (_appliedSlot >= _lastSnapshotSlot + _snapshotInterval || _commandBytesSinceSnapshot >= Math.Max(SnapshotCommandBytes, _lastSnapshotBytes))
                {
                    TakeSnapshot();
                }
                _status = Snapshot();
            }
        }
        catch (InvariantViolationException e)
        {
            Stop("Paxos invariant violated; stopping the node rather than corrupting data.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A failed fsync leaves the disk state unknown: stop rather than acknowledge anything.
            Stop("The replica's log could not be written; stopping the node.", e);
        }
        catch (Exception e)
        {
            // A bug (here or in the state machine): without its loop the node would look alive and answer nothing.
            Stop("The replica's loop failed unexpectedly; stopping the node rather than leaving it unresponsive.", e);
        }
        FailEverything(new ObjectDisposedException(nameof(ReplicaDriver), "the node is stopping"));
    }

    /// <summary>Ends the process (<see cref="Environment.FailFast(string, Exception)"/> unless a test gave another way) after logging why.</summary>
    private void Stop(string message, Exception error)
    {
        LogFatal(message, error);
        _fatal(message, error);
    }

    private void Handle(object input)
    {
        switch (input)
        {
            case TickInput:
                Volatile.Write(ref _tickPending, 0);
                _core.Tick();
                PlaceLeader();
                if (++_ticks % ForwardSweepTicks == 0)
                {
                    SweepForwards();
                }
                break;
            case List<ReplicaMessage> messages:
                foreach (var message in messages)
                {
                    switch (message)
                    {
                        case ForwardProposal forward:
                            ProposeForwarded(forward);
                            break;
                        case ForwardResult result:
                            CompleteForward(result);
                            break;
                        default:
                            _core.Step(message);
                            break;
                    }
                }
                break;
            case PendingProposal proposal:
                Propose(proposal, busyQueue: false);
                break;
            case PendingRead read:
                StartRead(read);
                break;
            case PendingInstall install:
                InstallSnapshot(install);
                break;
            default:
                throw new InvalidOperationException($"unknown driver input {input.GetType().Name}");
        }
    }

    private bool Propose(PendingProposal proposal, bool busyQueue)
    {
        if (proposal.IsDone)
        {
            return true; // cancelled by its caller before it reached the log
        }
        var result = _core.Propose(proposal.Command);
        switch (result.Status)
        {
            case ProposeStatus.Accepted:
                _placement?.CountCommand(proposal is ForwardedCommand forwarded ? forwarded.Origin : _core.NodeId);
                _proposals.Propose(result.Slot, result.Origin, result.Position, proposal);
                return true;
            case ProposeStatus.Busy:
                if (busyQueue)
                {
                    return false;
                }
                if (_busy.Count >= MaxWaitingProposals)
                {
                    proposal.Fail(new OverloadedException($"{_busy.Count} commands are already waiting for the pipeline"));
                    return true;
                }
                _busy.Enqueue(proposal);
                return false;
            case ProposeStatus.NotLeader:
                if (proposal is not LocalProposal local || !Forward(local, result.LeaderHint))
                {
                    proposal.Fail(new NotLeaderException(result.LeaderHint)); // forwarded once at most
                }
                return true;
            default:
                proposal.Fail(new CommandTooLargeException());
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
        if (successor >= 0 && _outboxes[successor] is { PeerDown: false } && _core.TransferLeadership(successor))
        {
            LogTransfer(successor);
        }
    }

    /// <summary>
    /// Hands a command to <paramref name="leader"/>; false if there is no leader to hand it to, or its
    /// stream is down (it likely crashed): the command is then certainly not proposed and may be retried.
    /// </summary>
    private bool Forward(LocalProposal proposal, int leader)
    {
        if (leader < 0 || leader == _core.NodeId || _outboxes[leader] is not { PeerDown: false } outbox)
        {
            return false;
        }
        if (_forwarded.Count >= MaxWaitingProposals)
        {
            proposal.Fail(new OverloadedException($"{_forwarded.Count} forwarded commands are already waiting for the leader"));
            return true;
        }
        ulong id = _forwardIds.Next(); // a late answer to an earlier run's forward must match nothing
        _forwarded.Add(id, new ForwardedProposal(proposal, leader) { ExpiresAt = _ticks + _forwardTimeoutTicks });
        outbox.Post(new ForwardProposal(_core.NodeId, leader, id, proposal.Command));
        return true;
    }

    /// <summary>On the leader: proposes a command a peer forwarded; the peer is answered once its fate is known.</summary>
    private void ProposeForwarded(ForwardProposal forward) =>
        Propose(new ForwardedCommand(forward, _outboxes[forward.From]), busyQueue: false);

    /// <summary>
    /// On the node that forwarded a command: the answer of the node it went to resolves it. That
    /// node answers even after it lost the leadership (its proposals' fate is settled when it learns
    /// their slots), so a forward outlives a leader change by a grace period; a node that stopped
    /// leaves it to fail as outcome unknown.
    /// </summary>
    private void CompleteForward(ForwardResult answer)
    {
        if (!_forwarded.TryGetValue(answer.Id, out var forwarded) || forwarded.Leader != answer.From)
        {
            return; // already failed (timed out, leader changed) or not ours: nothing waits for it
        }
        _forwarded.Remove(answer.Id);
        if (answer.Status == ForwardStatus.Applied)
        {
            forwarded.Proposal.Succeed(new ReplicationResult(answer.Slot, answer.CommandIndex, answer.Result.ToArray()));
        }
        else
        {
            forwarded.Proposal.Fail(ForwardOutcome.ErrorOf(answer));
        }
    }

    /// <summary>Forwards to a node that no longer leads get <see cref="ForwardGraceAfterLeaderChange"/> more to be answered.</summary>
    private void ShortenForwardsNotTo(int leader)
    {
        foreach (var forwarded in _forwarded.Values)
        {
            if (forwarded.Leader != leader)
            {
                forwarded.ExpiresAt = Math.Min(forwarded.ExpiresAt, _ticks + _forwardGraceTicks);
            }
        }
    }

    /// <summary>Forgets forwards whose callers gave up, and fails those left unanswered past their time.</summary>
    private void SweepForwards()
    {
        foreach (var (id, forwarded) in _forwarded)
        {
            if (forwarded.Leader != _leaderSeen && _outboxes[forwarded.Leader]?.PeerDown == true)
            {
                // A deposed leader that is gone will never answer: its callers hear so soon.
                forwarded.ExpiresAt = Math.Min(forwarded.ExpiresAt, _ticks + _forwardGoneTicks);
            }
            if (_ticks >= forwarded.ExpiresAt)
            {
                forwarded.Proposal.Fail(new OutcomeUnknownException($"node {forwarded.Leader}, which the command was forwarded to, did not answer in time"));
            }
            if (forwarded.Proposal.IsDone)
            {
                _forwarded.Remove(id);
            }
        }
    }

    private void RetryBusyProposals()
    {
        while (_busy.Count > 0 && Propose(_busy.Peek(), busyQueue: true))
        {
            _busy.Dequeue();
        }
    }

    private void StartRead(PendingRead read)
    {
        if (read.Completion.Task.IsCompleted)
        {
            return;
        }
        ulong id = _readIds.Next(); // unique across restarts (ReplicaCore.ReadIndex)
        var result = _core.ReadIndex(id);
        switch (result.Status)
        {
            case ReadIndexStatus.Accepted:
                _readsAwaitingQuorum.Add(id, read);
                break;
            case ReadIndexStatus.NotLeader:
                read.Completion.TrySetException(new NotLeaderException(result.LeaderHint));
                break;
            default:
                read.Completion.TrySetException(new NotLeaderException(_core.LeaderId)); // overloaded: let the client retry
                break;
        }
    }

    private void Process(Ready ready)
    {
        // Requests leave while the fsync runs; replies only once it is done (Ready.MaySendBeforePersisting).
        foreach (var message in ready.Messages)
        {
            if (Ready.MaySendBeforePersisting(message))
            {
                _outboxes[message.To]?.Post(message);
            }
        }
        long persistStart = Stopwatch.GetTimestamp();
        _store.Persist(ready.HardState, ready.Entries, ready.MustSync);
        if (ready.MustSync)
        {
            _metrics.WalFsyncDuration.Observe(Stopwatch.GetElapsedTime(persistStart).TotalSeconds);
        }
        foreach (var message in ready.Messages)
        {
            if (!Ready.MaySendBeforePersisting(message))
            {
                _outboxes[message.To]?.Post(message);
            }
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
                read.Completion.TrySetException(new NotLeaderException(_core.LeaderId));
            }
        }
        if (ready.SoftState is { } soft)
        {
            OnSoftState(soft);
        }
        foreach (var transfer in ready.SnapshotsToSend)
        {
            _snapshotSender.Send(transfer.To, transfer.Index, _stop.Token);
        }
        _core.Advance(ready);
        CompleteAppliedReads();
    }

    private void Apply(LogEntry entry)
    {
        Invariant.Check(entry.Slot == _appliedSlot + 1, $"slot {entry.Slot} applied after slot {_appliedSlot}: slots apply in order, each once");
        var commands = entry.Value.Commands;
        var waiting = _proposals.Settle(entry);
        for (int position = 0; position < commands.Count; position++)
        {
            ulong index = ++_commandIndex;
            _commandBytesSinceSnapshot += commands[position].Length;
            byte[] result = _stateMachine.Apply(index, commands[position].Span);
            if (waiting.TryGetChosen(position, out var proposal))
            {
                proposal.Succeed(new ReplicationResult(entry.Slot, index, result));
            }
        }
        foreach (var proposal in waiting.NotChosen)
        {
            proposal.Fail(new NotChosenException(entry.Slot));
        }
        _metrics.CommandsApplied.Inc(commands.Count);
        _appliedSlot = entry.Slot;
    }

    /// <summary>Snapshot the state machine at the applied slot, then forget the log up to it.</summary>
    private void TakeSnapshot()
    {
        _lastSnapshotBytes = _snapshots.Take(_stateMachine, _appliedSlot, _commandIndex);
        _core.Compact(_appliedSlot);
        _store.Checkpoint(_appliedSlot, _core.RetainedEntries());
        _lastSnapshotSlot = _appliedSlot;
        _commandBytesSinceSnapshot = 0;
        _metrics.SnapshotsTaken.Inc();
        LogSnapshot(_appliedSlot, _commandIndex);
    }

    private void InstallSnapshot(PendingInstall install)
    {
        var received = install.Received;
        if ((ulong)received.Index <= _appliedSlot)
        {
            install.Completion.TrySetResult(_appliedSlot);
            return;
        }
        ulong slot;
        ulong commandIndex;
        try
        {
            (slot, commandIndex) = ReplicaSnapshots.Restore(_stateMachine, received);
        }
        catch (Exception e) when (e is not (IOException or InvariantViolationException))
        {
            LogSnapshotRefused(received.Index, e.GetType().Name, e.Message, _appliedSlot);
            install.Completion.TrySetException(new InvalidDataException(
                $"the snapshot at slot {received.Index} could not be restored ({e.GetType().Name}: {e.Message}); node {_core.NodeId} keeps its state at slot {_appliedSlot}", e));
            return;
        }
        received.Commit();
        foreach (var (covered, proposal) in _proposals.TakeThrough(slot))
        {
            proposal.Fail(new OutcomeUnknownException($"slot {covered} was covered by a snapshot from the leader before this node learned its value"));
        }
        _appliedSlot = slot;
        _commandIndex = commandIndex;
        _lastSnapshotSlot = slot;
        _lastSnapshotBytes = received.ContentLength;
        _commandBytesSinceSnapshot = 0;
        _core.ReportSnapshotInstalled(slot);
        _store.Checkpoint(slot, _core.RetainedEntries());
        CompleteAppliedReads();
        _metrics.SnapshotsInstalled.Inc();
        LogInstalled(slot);
        install.Completion.TrySetResult(slot);
    }

    private void CompleteAppliedReads()
    {
        _readsAwaitingApply.RemoveAll(pending =>
        {
            if (pending.Index > _appliedSlot)
            {
                return false;
            }
            pending.Read.Completion.TrySetResult(_appliedSlot);
            return true;
        });
    }

    private void OnSoftState(SoftState soft)
    {
        LogRole(soft.Role, soft.LeaderId, soft.Ballot);
        if (soft.LeaderId != _leaderSeen)
        {
            _leaderSeen = soft.LeaderId;
            _metrics.LeaderChanges.Inc();
        }
        _placement?.Reset();
        ShortenForwardsNotTo(soft.Role == ReplicaRole.Leader ? -1 : soft.LeaderId);
        if (soft.Role == ReplicaRole.Leader)
        {
            return;
        }
        foreach (var proposal in _busy)
        {
            proposal.Fail(new NotLeaderException(soft.LeaderId));
        }
        _busy.Clear();
    }

    private void FailEverything(Exception reason)
    {
        foreach (var proposal in _proposals.TakeAll())
        {
            proposal.Fail(reason);
        }
        foreach (var proposal in _busy)
        {
            proposal.Fail(reason);
        }
        foreach (var forwarded in _forwarded.Values)
        {
            forwarded.Proposal.Fail(reason);
        }
        foreach (var read in _readsAwaitingQuorum.Values)
        {
            read.Completion.TrySetException(reason);
        }
        foreach (var (_, read) in _readsAwaitingApply)
        {
            read.Completion.TrySetException(reason);
        }
        while (_inputs.Reader.TryRead(out var input))
        {
            (input as PendingProposal)?.Fail(reason);
            (input as PendingRead)?.Completion.TrySetException(reason);
            (input as PendingInstall)?.Completion.TrySetException(reason);
        }
    }

    private ReplicaStatus Snapshot() => new(
        _core.Role switch { ReplicaRole.Leader => "leader", ReplicaRole.Candidate => "candidate", _ => "follower" },
        _core.Promised, _core.LeaderId, _core.CommitIndex, _appliedSlot, _core.SnapshotIndex,
        _core.LeaderCommitIndex, _core.LeaderSilentTicks * _tick, Stopwatch.GetTimestamp());

    [LoggerMessage(Level = LogLevel.Information, Message = "snapshot taken at slot {Slot} (command index {CommandIndex}); log compacted up to it")]
    private partial void LogSnapshot(ulong slot, ulong commandIndex);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Message}")]
    private partial void LogFatal(string message, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "refused the snapshot at slot {Slot} from the leader: it could not be restored ({Kind}: {Detail}); keeping the state at slot {Applied}")]
    private partial void LogSnapshotRefused(long slot, string kind, string detail, ulong applied);

    [LoggerMessage(Level = LogLevel.Information, Message = "installed the leader's snapshot at slot {Slot}")]
    private partial void LogInstalled(ulong slot);

    [LoggerMessage(Level = LogLevel.Information, Message = "handing the leadership to node {Successor}, which nearly all writes came in through")]
    private partial void LogTransfer(int successor);

    [LoggerMessage(Level = LogLevel.Information, Message = "role {Role}, leader {Leader}, ballot {Ballot}")]
    private partial void LogRole(ReplicaRole role, int leader, Ballot ballot);

    private sealed class TickInput
    {
        public static readonly TickInput Instance = new();
    }

    /// <summary>A command this node forwarded to <paramref name="Leader"/>; it fails as outcome unknown at tick <see cref="ExpiresAt"/>.</summary>
    private sealed record ForwardedProposal(LocalProposal Proposal, int Leader)
    {
        public long ExpiresAt { get; set; }
    }

    /// <summary>A command waiting for the log: it ends once, with a result or an error; later endings are ignored.</summary>
    private abstract class PendingProposal(ReadOnlyMemory<byte> command)
    {
        public ReadOnlyMemory<byte> Command { get; } = command;

        public abstract bool IsDone { get; }

        public abstract void Succeed(ReplicationResult result);

        public abstract void Fail(Exception error);
    }

    /// <summary>A command of a caller on this node, who awaits <see cref="Completion"/>.</summary>
    private sealed class LocalProposal(ReadOnlyMemory<byte> command) : PendingProposal(command)
    {
        public TaskCompletionSource<ReplicationResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override bool IsDone => Completion.Task.IsCompleted;

        public override void Succeed(ReplicationResult result) => Completion.TrySetResult(result);

        public override void Fail(Exception error) => Completion.TrySetException(error);
    }

    /// <summary>On the leader, a command a peer forwarded: its ending is sent back to the peer as a <see cref="ForwardResult"/>.</summary>
    private sealed class ForwardedCommand(ForwardProposal forward, PeerOutbox? origin) : PendingProposal(forward.Command)
    {
        private bool _done;

        /// <summary>The node the command came in through.</summary>
        public int Origin => forward.From;

        public override bool IsDone => _done;

        public override void Succeed(ReplicationResult result) =>
            Answer(ForwardStatus.Applied, result.Slot, result.Index, result.Result, -1);

        public override void Fail(Exception error) =>
            Answer(ForwardOutcome.StatusOf(error), (error as NotChosenException)?.Slot ?? 0, 0, default, (error as NotLeaderException)?.LeaderHint ?? -1);

        private void Answer(ForwardStatus status, ulong slot, ulong commandIndex, ReadOnlyMemory<byte> result, int leaderHint)
        {
            if (_done)
            {
                return;
            }
            _done = true;
            origin?.Post(new ForwardResult(forward.To, forward.From, forward.Id, status, slot, commandIndex, result, leaderHint));
        }
    }

    private sealed class PendingInstall(SnapshotWriter received)
    {
        public SnapshotWriter Received { get; } = received;

        public TaskCompletionSource<ulong> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class PendingRead
    {
        public TaskCompletionSource<ulong> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
