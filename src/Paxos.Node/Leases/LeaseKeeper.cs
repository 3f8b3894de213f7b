using Microsoft.Extensions.Logging;
using Paxos.Core;
using Paxos.KeyValue;
using Paxos.Node.Replication;

namespace Paxos.Node.Leases;

/// <summary>
/// Decides, on the leader, when leases expire. Deadlines live here, on the leader only: a
/// keep-alive resets one without a log write, and a new leader gives every lease its whole time to
/// live again. When a deadline passes, the keeper proposes a <see cref="LeaseExpireCommand"/> of its
/// epoch, which the store applies only while that epoch is current. Why no lease expires early,
/// across leader changes too, is argued in docs/design.md (Leases).
/// </summary>
/// <remarks>
/// Each <see cref="Check"/> (every <see cref="CheckInterval"/>) follows the leadership: on leading in
/// a new ballot it starts a <see cref="LeaseTerm"/> (deadlines = now + TTL for every lease) and claims
/// the lease epoch with a <see cref="LeaseEpochCommand"/>; once that is applied it proposes the
/// expiries that are due. Bounded by <see cref="KeyValueLimits.MaxLeases"/>: one deadline and at most
/// one expiry in flight per lease.
/// </remarks>
public sealed partial class LeaseKeeper : IAsyncDisposable
{
    /// <summary>How often deadlines are checked: a lease's keys go at most this long (plus a commit) after it expires.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(100);

    private const string LeaderRole = "leader";
    private static readonly TimeSpan ReadyPoll = TimeSpan.FromMilliseconds(20);

    private readonly ILeaseLog _log;
    private readonly KeyValueStateMachine _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private LeaseTerm? _term;
    private Task _loop = Task.CompletedTask;

    /// <summary>A keeper of the leases of <paramref name="store"/>, deciding expiries through <paramref name="log"/> while it leads, timed by <paramref name="time"/>.</summary>
    public LeaseKeeper(ILeaseLog log, KeyValueStateMachine store, TimeProvider time, ILogger<LeaseKeeper> logger)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _log = log;
        _store = store;
        _time = time;
        _logger = logger;
    }

    /// <summary>Planted bug for the simulator (no shipped program sets it): a keep-alive is confirmed without resetting the deadline.</summary>
    internal bool PlantIgnoreKeepAlive { get; init; }

    /// <summary>Starts checking every <see cref="CheckInterval"/> until disposed.</summary>
    public void Start() => _loop = Task.Run(RunAsync);

    /// <summary>
    /// Renews lease <paramref name="leaseId"/> on this node, which must lead: resets its deadline,
    /// then confirms with a read barrier that this node still led in the same ballot after the reset,
    /// so the renewal cannot be lost to a leader elected before it.
    /// </summary>
    /// <returns>
    /// Done: found and the lease's TTL if it was renewed, not found if it does not exist or its expiry
    /// was already decided. <see cref="ReplicaOutcomeKind.NotLeader"/>: this node does not lead (or
    /// stopped leading before the renewal was confirmed); the hint names the leader it knows.
    /// </returns>
    public async Task<ReplicaOutcome<KeepAliveOutcome>> KeepAliveAsync(ulong leaseId, CancellationToken cancellationToken)
    {
        var ready = await ReadyTermAsync(cancellationToken).ConfigureAwait(false);
        if (!ready.IsDone)
        {
            return ready.Refusal<KeepAliveOutcome>();
        }
        LeaseTerm term = ready.Value;
        lock (_lock)
        {
            if (!Renew(term, leaseId))
            {
                return ReplicaOutcome<KeepAliveOutcome>.Done(new KeepAliveOutcome(false, 0));
            }
        }
        // The barrier's read is queued after this status was taken: if this node still led then and the
        // read was still served in the same ballot, a quorum confirmed that ballot after the reset above.
        // If the node stepped down in between, the read was forwarded and the status taken when it
        // completes (a round later at least) no longer shows the ballot.
        ReplicaStatus before = _log.Status;
        if (!Leads(before, term.Ballot))
        {
            return ReplicaOutcome<KeepAliveOutcome>.NotLeader(before.LeaderId);
        }
        var barrier = await _log.ReadBarrierAsync(cancellationToken).ConfigureAwait(false);
        if (!barrier.IsDone)
        {
            return barrier.Refusal<KeepAliveOutcome>();
        }
        ReplicaStatus after = _log.Status;
        lock (_lock)
        {
            if (!Leads(after, term.Ballot) || _term != term || term.Abandoned || _store.LeaseEpoch != term.Ballot)
            {
                return ReplicaOutcome<KeepAliveOutcome>.NotLeader(after.LeaderId);
            }
            return ReplicaOutcome<KeepAliveOutcome>.Done(!term.Expiring.ContainsKey(leaseId) && _store.TryGetLease(leaseId, out long ttl)
                ? new KeepAliveOutcome(true, ttl)
                : new KeepAliveOutcome(false, 0));
        }
    }

    /// <summary>
    /// One round: follows the leadership, gives leases new to this term their deadlines, claims the
    /// epoch, and proposes the expiries that are due. Called by the loop; by tests with a fake clock.
    /// </summary>
    internal void Check()
    {
        var proposals = new List<Task<Task>>();
        Follow(_log.Status, proposals);
        foreach (Task<Task> proposal in proposals)
        {
            proposal.RunSynchronously(); // outside the lock, which the proposal takes when it ends
        }
    }

    /// <summary>Stops checking deadlines; proposals already made run their course.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private static bool Leads(ReplicaStatus status, Ballot ballot) => status.Role == LeaderRole && status.Ballot == ballot;

    /// <summary>A proposal registered now and started (by <see cref="Check"/>) once the lock is released.</summary>
    private static Task Later(List<Task<Task>> proposals, Func<Task> propose)
    {
        var proposal = new Task<Task>(propose);
        proposals.Add(proposal);
        return proposal.Unwrap();
    }

    private void Follow(ReplicaStatus status, List<Task<Task>> proposals)
    {
        lock (_lock)
        {
            if (status.Role != LeaderRole)
            {
                if (_term is not null)
                {
                    LogTermEnded(_term.Ballot, _term.Deadlines.Count);
                    _term = null;
                }
                return;
            }
            if (_term is null || _term.Ballot != status.Ballot)
            {
                _term = new LeaseTerm(status.Ballot);
                LogTermStarted(status.Ballot);
            }
            LeaseTerm term = _term;
            long now = _time.GetTimestamp();
            FollowLeases(term, now);
            if (term.Abandoned)
            {
                return;
            }
            if (!term.Ready)
            {
                term.EpochClaim ??= Later(proposals, () => ClaimEpochAsync(term));
                return;
            }
            if (_store.LeaseEpoch != term.Ballot)
            {
                term.Abandoned = true;
                LogAbandoned(term.Ballot, _store.LeaseEpoch);
                return;
            }
            foreach (var (leaseId, deadline) in term.Deadlines)
            {
                if (deadline <= now && !(term.Expiring.TryGetValue(leaseId, out Task? proposed) && !proposed.IsCompleted))
                {
                    term.Expiring[leaseId] = Later(proposals, () => ExpireAsync(term, leaseId));
                }
            }
            Invariant.Check(term.Deadlines.Count <= KeyValueLimits.MaxLeases, "the keeper holds a deadline per existing lease at most");
        }
    }

    private long Ticks(long milliseconds) => milliseconds * _time.TimestampFrequency / 1000;

    /// <summary>Resets the lease's deadline unless it does not exist or its expiry was proposed; called with the lock held.</summary>
    private bool Renew(LeaseTerm term, ulong leaseId)
    {
        if (term.Expiring.ContainsKey(leaseId) || !_store.TryGetLease(leaseId, out long ttl))
        {
            return false;
        }
        if (PlantIgnoreKeepAlive && term.Deadlines.ContainsKey(leaseId))
        {
            return true;
        }
        long deadline = _time.GetTimestamp() + Ticks(ttl);
        Invariant.Check(!term.Deadlines.TryGetValue(leaseId, out long old) || old <= deadline, "a renewal never brings a deadline closer");
        term.Deadlines[leaseId] = deadline;
        return true;
    }

    /// <summary>Gives every lease the term does not know yet the deadline now + TTL, and forgets the leases that ended.</summary>
    private void FollowLeases(LeaseTerm term, long now)
    {
        long generation = _store.LeaseGeneration;
        if (generation == term.LeaseGeneration)
        {
            return;
        }
        IReadOnlyList<LeaseInfo> leases = _store.Leases();
        var existing = new HashSet<ulong>(leases.Count);
        foreach (LeaseInfo lease in leases)
        {
            existing.Add(lease.Id);
            term.Deadlines.TryAdd(lease.Id, now + Ticks(lease.TtlMilliseconds));
        }
        foreach (ulong ended in term.Deadlines.Keys.Where(id => !existing.Contains(id)).ToList())
        {
            term.Deadlines.Remove(ended);
            term.Expiring.Remove(ended);
        }
        term.LeaseGeneration = generation;
    }

    /// <summary>Waits until this node leads with its term ready; <see cref="ReplicaOutcomeKind.NotLeader"/> once it does not lead.</summary>
    private async Task<ReplicaOutcome<LeaseTerm>> ReadyTermAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ReplicaStatus status = _log.Status;
            if (status.Role != LeaderRole)
            {
                return ReplicaOutcome<LeaseTerm>.NotLeader(status.LeaderId);
            }
            lock (_lock)
            {
                if (_term is { Ready: true, Abandoned: false } term && term.Ballot == status.Ballot)
                {
                    return ReplicaOutcome<LeaseTerm>.Done(term);
                }
            }
            await Task.Delay(ReadyPoll, _time, cancellationToken).ConfigureAwait(false); // the epoch claim is a log write: the keeper's clock
        }
    }

    private async Task ClaimEpochAsync(LeaseTerm term)
    {
        KeyValueResult? result = await ProposeAsync(new LeaseEpochCommand(term.Ballot)).ConfigureAwait(false);
        lock (_lock)
        {
            switch (result)
            {
                case LeaseEpochResult epoch when epoch.Epoch == term.Ballot:
                    term.Ready = true;
                    LogReady(term.Ballot, term.Deadlines.Count);
                    break;
                case LeaseEpochResult epoch:
                    term.Abandoned = true;
                    LogAbandoned(term.Ballot, epoch.Epoch);
                    break;
                default:
                    term.EpochClaim = null; // not applied (or unknown): the next check claims it again while this node leads in the ballot
                    break;
            }
        }
    }

    private async Task ExpireAsync(LeaseTerm term, ulong leaseId)
    {
        KeyValueResult? result = await ProposeAsync(new LeaseExpireCommand(leaseId, term.Ballot)).ConfigureAwait(false);
        if (result is LeaseRevokeResult { Found: true } expired)
        {
            LogExpired(leaseId, expired.Index, term.Ballot);
            lock (_lock)
            {
                term.Deadlines.Remove(leaseId);
            }
        }
    }

    /// <summary>Replicates a lease command; null if it failed or its outcome is unknown (the keeper's state says what to do next).</summary>
    private async Task<KeyValueResult?> ProposeAsync(KeyValueCommand command)
    {
        try
        {
            var replicated = await _log.ReplicateAsync(KeyValueCommandCodec.Encode(command), _stop.Token).ConfigureAwait(false);
            if (replicated.IsDone)
            {
                return KeyValueResultCodec.Decode(replicated.Value.Result);
            }
            LogProposalFailed(command.GetType().Name, replicated.Message);
            return null;
        }
        catch (Exception e) when (e is ObjectDisposedException || (e is OperationCanceledException && _stop.IsCancellationRequested))
        {
            LogProposalFailed(command.GetType().Name, e.Message);
            return null;
        }
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(CheckInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    Check();
                }
                catch (InvariantViolationException e)
                {
                    LogCheckFailed(e);
                    Environment.FailFast("A lease keeper invariant was violated; stopping the node rather than expiring leases wrongly.", e);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogCheckFailed(e); // a bug, but the next check may get through: keep deciding expiries
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "leading in ballot {Ballot}: every lease gets its whole TTL again from now; claiming the lease epoch")]
    private partial void LogTermStarted(Ballot ballot);

    [LoggerMessage(Level = LogLevel.Information, Message = "lease epoch {Ballot} applied: deciding the expiry of {Leases} lease(s)")]
    private partial void LogReady(Ballot ballot, int leases);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopped leading in ballot {Ballot}; {Leases} lease deadline(s) dropped")]
    private partial void LogTermEnded(Ballot ballot, int leases);

    [LoggerMessage(Level = LogLevel.Warning, Message = "lease epoch {Ballot} was overtaken by {Epoch}: another leader decides expiries")]
    private partial void LogAbandoned(Ballot ballot, Ballot epoch);

    [LoggerMessage(Level = LogLevel.Information, Message = "lease {LeaseId} expired at index {Index} (epoch {Ballot})")]
    private partial void LogExpired(ulong leaseId, ulong index, Ballot ballot);

    [LoggerMessage(Level = LogLevel.Error, Message = "lease check failed")]
    private partial void LogCheckFailed(Exception error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Command} not applied: {Reason}")]
    private partial void LogProposalFailed(string command, string reason);
}
