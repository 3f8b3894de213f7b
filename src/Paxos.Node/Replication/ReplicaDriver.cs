using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.Storage.Snapshots;

namespace Paxos.Node.Replication;

/// <summary>
/// Runs a <see cref="ReplicaNode"/> in a process: one loop, the only code that touches the node,
/// takes every queued input (peer messages, client commands, read requests, clock ticks), hands them
/// to the node and then runs its round (persist with one fsync, send, apply, answer); the snapshots
/// the node captures are written on a thread of their own and handed back to the loop. Inputs that
/// arrive while an fsync runs are handled together in the next round, which is what batches
/// commands into slots and many records into one fsync. A loop that cannot go on (the log cannot be
/// written, an invariant broke, a bug) stops the process rather than leave a node that looks alive
/// and answers nothing.
/// </summary>
public sealed partial class ReplicaDriver : IAsyncDisposable
{
    private const int InputCapacity = 65_536;
    internal const int MaxInputsPerRound = 8_192;

    private readonly ReplicaNode _node;
    private readonly IAsyncDisposable _peers;
    private readonly TimeSpan _tick;
    private readonly ILogger _logger;
    private readonly Action<string, Exception> _fatal;
    private readonly Channel<ReplicaInput> _inputs = Channel.CreateBounded<ReplicaInput>(
        new BoundedChannelOptions(InputCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private Task? _clock;
    private int _tickPending;
    private volatile ReplicaStatus _status;
    private TaskCompletionSource _leaderKnown = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _recovered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Action<string>? _removed;
    private Task _snapshotWrite = Task.CompletedTask;

    /// <param name="node">The replica, recovered (<see cref="ReplicaNode.Open"/>); the driver owns it from now on.</param>
    /// <param name="peers">What the node sends through; disposed once the loop has stopped.</param>
    /// <param name="tick">How long one core tick lasts.</param>
    /// <param name="logger">Where the loop logs why it stopped.</param>
    /// <param name="fatal">How the loop stops the process when it cannot go on; null: <see cref="Environment.FailFast(string, Exception)"/>.</param>
    /// <param name="removed">Called once, with the reason, after the first round in which the node is removed from the cluster (it applied its own removal, or started with it applied); null: nothing.</param>
    public ReplicaDriver(ReplicaNode node, IAsyncDisposable peers, TimeSpan tick, ILogger logger, Action<string, Exception>? fatal = null, Action<string>? removed = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        _node = node;
        _peers = peers;
        _tick = tick;
        _logger = logger;
        _fatal = fatal ?? Environment.FailFast;
        _status = node.Status(Stopwatch.GetTimestamp());
        _removed = removed;
    }

    /// <summary>The node's current view: role, ballot, leader, commit and applied slot. Safe from any thread.</summary>
    public ReplicaStatus Status => _status;

    /// <summary>
    /// Waits until some node is known to lead (possibly this one) and returns it; signalled by the loop
    /// the round a leader becomes known, not polled.
    /// </summary>
    public async Task<int> WaitForLeaderAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task known = Volatile.Read(ref _leaderKnown).Task; // read before the status: the loop writes the status before it signals
            int leader = _status.LeaderId;
            if (leader >= 0)
            {
                return leader;
            }
            await known.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Completes once the loop's first round, run as the loop starts, has applied every slot the log
    /// held chosen at start-up: from then on local reads see at least what this node had applied
    /// before it stopped.
    /// </summary>
    public Task Recovered => _recovered.Task;

    /// <summary>Starts the loop and the clock; once.</summary>
    public void Start()
    {
        Invariant.Check(_loop is null, "a replica driver starts once");
        _loop = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        _clock = Task.Run(TickAsync);
    }

    /// <summary>
    /// Replicates <paramref name="command"/> through the log (<see cref="ReplicaNode.Propose(ReadOnlyMemory{byte}, IReplicaReply{ReplicaOutcome{ReplicationResult}})"/>):
    /// resolves once it is chosen and applied, with the state machine's result, or with the refusal the
    /// node answered (not the leader, not chosen, unknown, overloaded, too large). Throws only
    /// <see cref="OperationCanceledException"/> (<paramref name="cancellationToken"/>) and
    /// <see cref="ObjectDisposedException"/> (the node stopped).
    /// </summary>
    public async Task<ReplicaOutcome<ReplicationResult>> ReplicateAsync(ReadOnlyMemory<byte> command, CancellationToken cancellationToken)
    {
        var reply = new TaskReply<ReplicaOutcome<ReplicationResult>>();
        using var registration = cancellationToken.Register(() => reply.Cancel(cancellationToken));
        await _inputs.Writer.WriteAsync(new ProposalInput(command, reply), cancellationToken).ConfigureAwait(false);
        return await reply.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// A linearizable read barrier (<see cref="ReplicaNode.ReadBarrier"/>): completes with the applied slot
    /// once a read of the state machine is linearizable, or with <see cref="ReplicaOutcomeKind.NotLeader"/>
    /// if no leader is known, or the leader changed or did not answer in time. Throws as <see cref="ReplicateAsync"/> does.
    /// </summary>
    public async Task<ReplicaOutcome<ulong>> ReadBarrierAsync(CancellationToken cancellationToken)
    {
        var reply = new TaskReply<ReplicaOutcome<ulong>>();
        using var registration = cancellationToken.Register(() => reply.Cancel(cancellationToken));
        await _inputs.Writer.WriteAsync(new ReadInput(reply), cancellationToken).ConfigureAwait(false);
        return await reply.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Installs a snapshot received from the leader (<see cref="ReplicaNode.InstallSnapshot"/>); returns the
    /// slot this replica has applied afterwards, or throws <see cref="InvalidDataException"/> if the state
    /// machine cannot restore it. <paramref name="received"/> is read by the loop until this completes, so
    /// once queued it is not cancelled.
    /// </summary>
    public async Task<ulong> InstallReceivedSnapshotAsync(SnapshotWriter received, CancellationToken cancellationToken)
    {
        var reply = new TaskReply<ulong>();
        await _inputs.Writer.WriteAsync(new InstallInput(received, reply), cancellationToken).ConfigureAwait(false);
        return await reply.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Proposes a membership change (<see cref="ReplicaNode.ChangeMembership"/>): resolves with the
    /// membership once the change is applied here (or at once if it already holds), or with the
    /// refusal: <see cref="ReplicaOutcomeKind.NotLeader"/> (this node does not lead, or it started
    /// handing its leadership over because the change removes it: retry at the hint),
    /// <see cref="ReplicaOutcomeKind.Refused"/>, <see cref="ReplicaOutcomeKind.NotChosen"/>,
    /// <see cref="ReplicaOutcomeKind.Unknown"/> or <see cref="ReplicaOutcomeKind.Overloaded"/>.
    /// Throws as <see cref="ReplicateAsync"/> does.
    /// </summary>
    public async Task<ReplicaOutcome<Membership>> ChangeMembershipAsync(MembershipChange change, CancellationToken cancellationToken)
    {
        var reply = new TaskReply<ReplicaOutcome<Membership>>();
        using var registration = cancellationToken.Register(() => reply.Cancel(cancellationToken));
        await _inputs.Writer.WriteAsync(new MembershipChangeInput(change, reply), cancellationToken).ConfigureAwait(false);
        return await reply.Task.ConfigureAwait(false);
    }

    /// <summary>If this node leads, starts handing its leadership to the voter <paramref name="successor"/> (<see cref="ReplicaNode.TransferLeadership"/>); true if it did.</summary>
    public async Task<bool> TransferLeadershipAsync(int successor, CancellationToken cancellationToken)
    {
        var reply = new TaskReply<bool>();
        using var registration = cancellationToken.Register(() => reply.Cancel(cancellationToken));
        await _inputs.Writer.WriteAsync(new TransferInput(successor, reply), cancellationToken).ConfigureAwait(false);
        return await reply.Task.ConfigureAwait(false);
    }

    /// <summary>The membership this node has applied (<see cref="ReplicaNode.Membership"/>), as of the last round. Safe from any thread.</summary>
    public Membership Membership => _status.Membership;

    /// <summary>Hands messages from a peer to the loop; drops them if the loop is overloaded (peers retry).</summary>
    public void Deliver(List<ReplicaMessage> messages) => _inputs.Writer.TryWrite(new MessagesInput(messages));

    /// <summary>Stops the loop and the clock, fails what still waits, closes the outboxes and the log.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _inputs.Writer.TryComplete();
        if (_loop is not null && _clock is not null)
        {
            await Task.WhenAll(_loop, _clock).ConfigureAwait(false);
        }
        await _snapshotWrite.ConfigureAwait(false); // a file being written is finished before the next start of the node can look for it
        await _peers.DisposeAsync().ConfigureAwait(false);
        _node.Dispose();
        _stop.Dispose();
    }

    private async Task TickAsync()
    {
        using var timer = new PeriodicTimer(_tick);
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

    /// <summary>Makes <paramref name="status"/> the one readers see, and wakes those waiting for a leader once one is known.</summary>
    private void Publish(ReplicaStatus status)
    {
        bool leaderWasUnknown = _status.LeaderId < 0;
        _status = status;
        if (leaderWasUnknown && status.LeaderId >= 0)
        {
            Interlocked.Exchange(ref _leaderKnown, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    /// <summary>Runs the node's round and publishes its status; tells <c>removed</c>, once, that the node is removed.</summary>
    private void Round()
    {
        _node.RunRound();
        if (_node.TakeSnapshotToWrite() is { } snapshot)
        {
            _snapshotWrite = WriteSnapshotAsync(snapshot);
        }
        Publish(_node.Status(Stopwatch.GetTimestamp()));
        if (_status.IsRemoved && _removed is { } removed)
        {
            _removed = null;
            removed($"node {_node.NodeId} was removed from the cluster at slot {_status.Membership.Slot}");
        }
    }

    /// <summary>
    /// Writes <paramref name="snapshot"/> on a thread of its own while the loop goes on (not on the thread pool, whose
    /// few threads on a small machine would wait behind a write of seconds), then queues it back to the loop, waiting
    /// for room rather than dropping it (the node captures no other snapshot until it is back).
    /// </summary>
    private async Task WriteSnapshotAsync(SnapshotInProgress snapshot)
    {
        await Task.Factory.StartNew(snapshot.Write, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        try
        {
            await _inputs.Writer.WriteAsync(new SnapshotWrittenInput(snapshot), _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            // stopping: the next start finds the snapshot, or the older one and the whole log
        }
    }

    private async Task RunAsync()
    {
        var reader = _inputs.Reader;
        try
        {
            Round(); // applies what the log held chosen, without waiting for a first input
            _recovered.TrySetResult();
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                for (int handled = 0; handled < MaxInputsPerRound && reader.TryRead(out var input); handled++)
                {
                    if (input is TickInput)
                    {
                        Volatile.Write(ref _tickPending, 0);
                    }
                    input.HandTo(_node);
                }
                Round();
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
        var stopping = new ObjectDisposedException(nameof(ReplicaDriver), "the node is stopping");
        _node.FailEverything(stopping);
        while (_inputs.Reader.TryRead(out var input))
        {
            input.Fail(stopping);
        }
    }

    /// <summary>Ends the process (<see cref="Environment.FailFast(string, Exception)"/> unless a test gave another way) after logging why.</summary>
    private void Stop(string message, Exception error)
    {
        LogFatal(message, error);
        _fatal(message, error);
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Message}")]
    private partial void LogFatal(string message, Exception error);
}
