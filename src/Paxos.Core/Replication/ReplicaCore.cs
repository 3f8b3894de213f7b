namespace Paxos.Core.Replication;

/// <summary>
/// One Multi-Paxos replica as a deterministic state machine, in the style of etcd raft's RawNode: no
/// I/O, clock, thread or hashing. The driver feeds it <see cref="Step"/> (peer messages),
/// <see cref="Tick"/> (logical time), <see cref="Propose"/> and <see cref="ReadIndex"/> (clients),
/// and polls <see cref="TakeReady"/> for what to persist, send and apply, acknowledging each
/// <see cref="Ready"/> with <see cref="Advance"/>. Every node is acceptor, learner and potential
/// proposer; the acceptor rules alone guarantee that two would-be leaders never get different
/// values chosen for a slot.
/// </summary>
/// <remarks>
/// Rules for the driver: (1) call the core from one thread; (2) after <see cref="TakeReady"/>, write
/// <see cref="Ready.HardState"/> and <see cref="Ready.Entries"/>, and when <see cref="Ready.MustSync"/>
/// make them durable (fsync), before sending any of <see cref="Ready.Messages"/> — a promise or accept
/// that leaves before it is durable can be forgotten by a crash, which breaks Paxos; (3) apply <see cref="Ready.CommittedEntries"/> in order,
/// serve <see cref="Ready.ReadStates"/> once applied up to their index, fail <see cref="Ready.FailedReads"/>, start
/// <see cref="Ready.SnapshotsToSend"/>, then call <see cref="Advance"/>; (4) after the application
/// durably wrote a snapshot up to an applied slot, call <see cref="Compact"/> and delete older log
/// entries; (5) after restoring a snapshot received from a peer (and persisting it), call
/// <see cref="ReportSnapshotInstalled"/> between Ready cycles; (6) after a crash, construct a new core
/// from exactly what was persisted.
/// </remarks>
public sealed partial class ReplicaCore
{
    private readonly ReplicaOptions options;
    private readonly IRandomSource random;
    private readonly int self;
    private readonly ReplicaLog log;

    // The next Ready's parts.
    private readonly List<ReplicaMessage> outbox = [];
    private readonly List<LogEntry> entriesToPersist = [];
    private readonly List<ReadState> readStates = [];
    private readonly List<ulong> failedReads = [];
    private readonly List<SnapshotTransfer> snapshotsToSend = [];
    private HardState persistedHardState;
    private SoftState reportedSoftState;
    private bool awaitingAdvance;

    /// <summary>Reused while building one message: slot numbers, entries.</summary>
    private readonly List<ulong> slotScratch = [];
    private readonly List<LogEntry> messageScratch = [];

    // Acceptor and learner.
    private Ballot promised;
    private Ballot highestSeen;
    private ulong commitIndex;
    private ulong appliedIndex;

    /// <summary>The highest commit index the leader this node follows told it of (see <see cref="LeaderCommitIndex"/>).</summary>
    private ulong leaderCommitIndex;
    private long catchUpRetryAt;
    private readonly SnapshotOffer[] snapshotOffered;

    // Roles. The ballot is the one this node runs phase 1 in or leads (zero on a follower).
    private ReplicaRole role;
    private int leaderId = -1;
    private Ballot ballot;

    /// <summary>The candidate's phase 1: exactly while <see cref="role"/> is candidate.</summary>
    private PromiseTally? candidacy;

    /// <summary>The leader's state: exactly while <see cref="role"/> is leader.</summary>
    private LeaderState? leader;

    /// <summary>The ballot this node would prepare if its pre-vote wins; <see cref="Ballot.Zero"/> when none is under way.</summary>
    private Ballot preVoteBallot;
    private uint preVoteMask;

    // Logical time.
    private long now;
    private int electionElapsed;
    private int electionTimeout;

    /// <summary>Ticks since this node last heard from the leader it follows (capped).</summary>
    private int leaderSilentTicks;

    // Reads. Heartbeat rounds are numbered across leaderships, so a round never repeats; the reads
    // a Ready's round confirms join it until that Ready is taken.
    private ulong heartbeatRound;
    private ulong unsentReadRound;
    private readonly List<ForwardedRead> forwardedReads = [];
    private ulong unsentReadToken;

    /// <summary>
    /// Creates a replica from the state it had persisted (use <see cref="DurableState.Empty"/> for a
    /// new node). It starts as a follower that knows no leader.
    /// </summary>
    public ReplicaCore(ReplicaOptions options, IRandomSource random, DurableState recovered)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(recovered);
        options.Validate();
        this.options = options;
        this.random = random;
        self = options.NodeId;

        HardState hard = recovered.HardState with
        {
            CommitIndex = Math.Max(recovered.HardState.CommitIndex, recovered.SnapshotIndex),
        };
        log = new ReplicaLog(recovered.SnapshotIndex);
        foreach (LogEntry entry in recovered.Entries)
        {
            if (entry.Slot > recovered.SnapshotIndex)
            {
                log.Put(entry);
            }
        }

        for (ulong slot = recovered.SnapshotIndex + 1; slot <= hard.CommitIndex; slot++)
        {
            Invariant.Check(log.Contains(slot), "every slot up to the commit index has its chosen entry");
            log.At(slot).Chosen = true;
        }

        promised = hard.Promised;
        highestSeen = hard.Promised;
        commitIndex = hard.CommitIndex;
        appliedIndex = recovered.SnapshotIndex;
        persistedHardState = hard;
        snapshotOffered = new SnapshotOffer[Membership.MaxNumbers];
        membership = recovered.Membership ?? Membership.OfSize(options.ClusterSize);
        membershipKnownTo = recovered.SnapshotIndex;
        chain = [membership];
        reportedSoftState = new SoftState(ReplicaRole.Follower, -1, Ballot.Zero);
        BecomeFollower(-1);
        LearnMemberships();
        CheckInvariants();
    }

    /// <summary>This node's number.</summary>
    public int NodeId => self;

    /// <summary>Whether this node is follower, candidate or leader.</summary>
    public ReplicaRole Role => role;

    /// <summary>The node this replica believes leads (itself when leader), or -1.</summary>
    public int LeaderId => leaderId;

    /// <summary>The highest ballot this acceptor promised.</summary>
    public Ballot Promised => promised;

    /// <summary>Every slot up to this one is chosen and known here.</summary>
    public ulong CommitIndex => commitIndex;

    /// <summary>The last slot the driver reported applied (through <see cref="Advance"/> or a snapshot).</summary>
    public ulong AppliedIndex => appliedIndex;

    /// <summary>
    /// The highest commit index the leader this node follows told it of, or this node's own commit
    /// index if that is higher (on the leader, before the leader said any): how far this replica
    /// should have applied to be current.
    /// </summary>
    public ulong LeaderCommitIndex => Math.Max(commitIndex, role == ReplicaRole.Leader ? 0 : leaderCommitIndex);

    /// <summary>
    /// Ticks since this node last heard from the leader it follows, counted up to
    /// <see cref="ReplicaOptions.ElectionTicks"/> and no further; 0 on the leader.
    /// </summary>
    public int LeaderSilentTicks => role == ReplicaRole.Leader ? 0 : leaderSilentTicks;

    /// <summary>Slots up to this one were compacted into a snapshot.</summary>
    public ulong SnapshotIndex => log.SnapshotIndex;

    /// <summary>The highest slot with an accepted entry (or the snapshot index): on a settled cluster, the commit index.</summary>
    public ulong LastAcceptedSlot => log.LastSlot;

    /// <summary>The entry this replica holds for <paramref name="slot"/>, for inspection by tests and tools.</summary>
    internal bool TryGetEntry(ulong slot, out LogEntry entry)
    {
        bool present = log.Contains(slot);
        entry = present ? log.EntryAt(slot) : default;
        return present;
    }

    /// <summary>
    /// Handles a message from a peer. Messages may arrive late, twice or not at all; one carrying a
    /// ballot too far above this node's promise (<see cref="BallotBound"/>) is dropped.
    /// </summary>
    public void Step(ReplicaMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.To != self || message.From == self || message.From < 0 || message.From >= Membership.MaxNumbers)
        {
            throw new ArgumentException("message is not from a peer to this node", nameof(message));
        }
        if (BallotBound.TryFindTooFarAhead(message, promised, out _))
        {
            return; // forged or corrupt: dropped, as if lost (the driver refuses such a message before it gets here)
        }

        Progress before = CurrentProgress;
        switch (message)
        {
            case Prepare m:
                OnPrepare(m);
                break;
            case Promise m:
                OnPromise(m);
                break;
            case Nack m:
                OnNack(m);
                break;
            case Accept m:
                OnAccept(m);
                break;
            case AcceptReply m:
                OnAcceptReply(m);
                break;
            case Heartbeat m:
                OnHeartbeat(m);
                break;
            case HeartbeatReply m:
                OnHeartbeatReply(m);
                break;
            case CatchUpRequest m:
                OnCatchUpRequest(m);
                break;
            case CatchUp m:
                OnCatchUp(m);
                break;
            case ReadIndexRequest m:
                OnReadIndexRequest(m);
                break;
            case ReadIndexReply m:
                OnReadIndexReply(m);
                break;
            case TakeOver m:
                OnTakeOver(m);
                break;
            case PreVote m:
                OnPreVote(m);
                break;
            case PreVoteReply m:
                OnPreVoteReply(m);
                break;
            default:
                throw new ArgumentException("unknown message type", nameof(message));
        }

        LearnMemberships();
        CheckProgress(before);
    }

    /// <summary>Advances logical time by one tick: heartbeats on the leader, election timeouts (a pre-vote, then phase 1) elsewhere.</summary>
    public void Tick()
    {
        Progress before = CurrentProgress;
        now++;
        if (leader is { } lead)
        {
            if (++lead.HeartbeatElapsed >= options.HeartbeatTicks)
            {
                lead.HeartbeatElapsed = 0;
                // The lazy followers' batches go ahead of the heartbeat, whose commit index covers them.
                RetransmitAccepts(lead);
                SendUnsentAccepts(lazyToo: true);
                BroadcastHeartbeat(lead);
            }

            TickTransfer(lead);
            CheckChosenValuesArrive(lead);
            CheckQuorum(lead);
        }
        else
        {
            CountLeaderSilence();
            if (++electionElapsed < electionTimeout)
            {
                ExpireForwardedReads();
            }
            else if (!IsVoter)
            {
                ResetElectionTimer(); // a learner, or a node not yet added, never campaigns
                ExpireForwardedReads();
            }
            else if (options.PreVote)
            {
                StartPreVote();
            }
            else
            {
                StartCandidacy();
            }
        }

        LearnMemberships();
        CheckProgress(before);
    }

    /// <summary>True if <see cref="TakeReady"/> would return something to do.</summary>
    public bool HasReady()
    {
        return !awaitingAdvance
            && (outbox.Count > 0 || entriesToPersist.Count > 0 || readStates.Count > 0 || failedReads.Count > 0 || snapshotsToSend.Count > 0
                || (leader is { } lead && (lead.OpenBatch.Count > 0 || lead.ProposedSinceFlush)) || commitIndex > appliedIndex
                || CurrentHardState != persistedHardState || CurrentSoftState != reportedSoftState);
    }

    /// <summary>
    /// Collects the pending work (closing the current command batch into its slot). Must be followed by
    /// <see cref="Advance"/> before the next call.
    /// </summary>
    public Ready TakeReady()
    {
        Invariant.Check(!awaitingAdvance, "the previous ready was not advanced");
        Progress before = CurrentProgress;
        FlushProposals();
        Invariant.Check(leader is null || (leader.OpenBatch.Count == 0 && !leader.ProposedSinceFlush), "a Ready carries every slot proposed so far");

        HardState hard = CurrentHardState;
        HardState? hardChange = hard != persistedHardState ? hard : null;
        SoftState soft = CurrentSoftState;
        SoftState? softChange = soft != reportedSoftState ? soft : null;

        ulong lastToApply = Math.Min(commitIndex, appliedIndex + (ulong)options.MaxCommittedEntriesPerReady);
        var committed = new LogEntry[lastToApply - appliedIndex];
        for (ulong slot = appliedIndex + 1; slot <= lastToApply; slot++)
        {
            Invariant.Check(log.At(slot).Chosen, "only chosen slots are applied");
            committed[slot - appliedIndex - 1] = log.EntryAt(slot);
        }

        // A promise or an acceptance must be on disk before a reply reports it; a commit index need not:
        // chosen is a fact about a quorum's acceptances, and a node that forgets how far it knew it
        // learns it again from its peers (raft's MustSync).
        bool mustSync = entriesToPersist.Count > 0 || hard.Promised != persistedHardState.Promised;
        var ready = new Ready(
            hardChange,
            mustSync,
            entriesToPersist.ToArray(),
            outbox.ToArray(),
            committed,
            readStates.ToArray(),
            failedReads.ToArray(),
            snapshotsToSend.ToArray(),
            softChange);
        entriesToPersist.Clear();
        outbox.Clear();
        readStates.Clear();
        failedReads.Clear();
        snapshotsToSend.Clear();
        persistedHardState = hard;
        reportedSoftState = soft;
        unsentReadRound = 0;
        unsentReadToken = 0;
        awaitingAdvance = true;
        CheckProgress(before);
        return ready;
    }

    /// <summary>
    /// The driver has persisted, sent and applied everything in <paramref name="ready"/> (the one
    /// returned by the last <see cref="TakeReady"/>).
    /// </summary>
    public void Advance(Ready ready)
    {
        ArgumentNullException.ThrowIfNull(ready);
        Invariant.Check(awaitingAdvance, "advance without a ready");
        awaitingAdvance = false;
        Progress before = CurrentProgress;

        // The leader's own acceptances are durable now: they count towards a quorum. Counted earlier,
        // a slot could be chosen (and its commit index sent to a learner) on an acceptance a crash
        // then erased, as with one voter.
        if (leader is not null)
        {
            foreach (LogEntry entry in ready.Entries)
            {
                if (entry.Ballot == ballot && HoldsOwnProposal(entry.Slot))
                {
                    CountAcceptance(entry.Slot, self);
                }
            }
        }

        if (ready.CommittedEntries.Count > 0)
        {
            Invariant.Check(ready.CommittedEntries[0].Slot == appliedIndex + 1, "committed entries continue the applied prefix");
            ulong last = ready.CommittedEntries[^1].Slot;
            Invariant.Check(last <= commitIndex, "applied index never exceeds the commit index");
            appliedIndex = Math.Max(appliedIndex, last);
        }

        LearnMemberships();
        CheckProgress(before);
    }

    private HardState CurrentHardState => new(promised, commitIndex);

    private SoftState CurrentSoftState => new(role, leaderId, role == ReplicaRole.Follower ? promised : ballot);

    private static uint Bit(int node) => 1u << node;

    private void Send(ReplicaMessage message) => outbox.Add(message);

    private void Persist(LogEntry entry)
    {
        Invariant.Check(entry.Slot > commitIndex, "a slot below the commit index is never written again");
        log.Put(entry);
        entriesToPersist.Add(entry);
    }

    /// <summary>Raises the promised ballot; an acceptor's promise never goes down.</summary>
    private void RaisePromise(Ballot to)
    {
        Invariant.Check(to >= promised, "the promised ballot never decreases");
        promised = to;
        Observe(to);
    }

    private void Observe(Ballot seen)
    {
        if (seen > highestSeen)
        {
            highestSeen = seen;
        }
    }

    private void ResetElectionTimer()
    {
        electionElapsed = 0;
        electionTimeout = options.ElectionTicks + random.NextBelow(options.ElectionTicks);
    }

    /// <summary>Follows <paramref name="newLeader"/> (or no one, if -1), leaving any candidacy or leadership.</summary>
    private void BecomeFollower(int newLeader)
    {
        Invariant.Check(newLeader != self && newLeader >= -1 && newLeader < Membership.MaxNumbers, "a follower follows another node or none");
        role = ReplicaRole.Follower;
        leaderId = newLeader;
        leaderCommitIndex = 0;
        ballot = Ballot.Zero;
        LeaveProposerRole();
        ResetElectionTimer();
        if (newLeader >= 0)
        {
            HeardFromLeader();
        }

        Invariant.Check(leader is null && candidacy is null && preVoteBallot == Ballot.Zero, "a follower holds no proposer state");
        CheckRoleState();
    }

    /// <summary>Drops the candidate's or leader's state; the reads waiting on this node's leadership, or on the leader it followed, fail.</summary>
    private void LeaveProposerRole()
    {
        FailPendingReads();
        leader = null;
        candidacy = null;
        CancelPreVote();
    }

    /// <summary>What never goes down, as it was before a step.</summary>
    private readonly record struct Progress(Ballot Promised, Ballot HighestSeen, ulong CommitIndex, ulong AppliedIndex, ulong SnapshotIndex);

    private Progress CurrentProgress => new(promised, highestSeen, commitIndex, appliedIndex, log.SnapshotIndex);

    /// <summary>The postcondition of every input: nothing went down, and the state invariants hold.</summary>
    private void CheckProgress(Progress before)
    {
        Invariant.Check(promised >= before.Promised, "the promised ballot never decreases");
        Invariant.Check(highestSeen >= before.HighestSeen, "the highest ballot seen never decreases");
        Invariant.Check(commitIndex >= before.CommitIndex, "the commit index never decreases");
        Invariant.Check(appliedIndex >= before.AppliedIndex, "the applied index never decreases");
        Invariant.Check(log.SnapshotIndex >= before.SnapshotIndex, "the snapshot index never decreases");
        CheckInvariants();
    }

    /// <summary>The invariants that hold between inputs: indexes in order, the commit index at the end of the chosen prefix, and the role's state.</summary>
    private void CheckInvariants()
    {
        Invariant.Check(log.SnapshotIndex <= appliedIndex && appliedIndex <= commitIndex && commitIndex <= log.LastSlot, "snapshot <= applied <= commit <= last accepted");
        Invariant.Check(highestSeen >= promised, "the promised ballot was seen");
        Invariant.Check(electionElapsed < electionTimeout && leaderSilentTicks <= options.ElectionTicks, "the election timer and the leader's silence stay within their limits");
        Invariant.Check(forwardedReads.Count <= options.MaxPendingReads, "forwarded reads are bounded");
        Invariant.Check(chain.Length >= 1 && chain[0] == membership && (role != ReplicaRole.Follower || chain.Length == 1), "the chain starts with the committed membership, and a follower's holds it alone");
        CheckRoleState();
    }

    /// <summary>Each role holds its own state and no other's: leader state exactly on the leader, a phase 1 tally exactly on a candidate.</summary>
    private void CheckRoleState()
    {
        Invariant.Check((role == ReplicaRole.Leader) == (leader is not null), "leader state exists exactly while leading");
        Invariant.Check((role == ReplicaRole.Candidate) == (candidacy is not null), "a phase 1 tally exists exactly while a candidate");
        Invariant.Check(role == ReplicaRole.Follower ? ballot == Ballot.Zero && leaderId != self : ballot == promised && ballot.NodeId == self, "a proposer's ballot is its own and its promise");
        Invariant.Check((role == ReplicaRole.Leader) == (leaderId == self), "a node names itself leader exactly while leading");
        if (leader is { } lead)
        {
            Invariant.Check(lead.NextSlot > commitIndex && lead.ReadBarrierSlot > 0 && lead.ReadBarrierSlot < lead.NextSlot, "a leader proposes above its commit index and its read barrier");
            Invariant.Check(lead.OpenBatch.Count == 0 || (lead.OpenBatchSlot == lead.NextSlot - 1 && lead.OpenBatch.Count <= options.MaxBatchCommands), "the open batch fills the last slot allocated, within its count");
            Invariant.Check(lead.PendingReads.Count <= options.MaxPendingReads, "pending reads are bounded");
            Invariant.Check(
                lead.HeartbeatElapsed < options.HeartbeatTicks && lead.QuorumCheckElapsed < options.ElectionTicks && lead.StalledTicks < options.ElectionTicks,
                "the leader's timers stay within their intervals");
            Invariant.Check(lead.Transfer is null || (lead.Transfer.Successor != self && lead.Transfer.Elapsed < options.ElectionTicks), "a transfer hands over to another node, for at most an election timeout");
        }
    }
}
