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
    private readonly int quorum;
    private readonly ReplicaLog log;

    private readonly List<ReplicaMessage> outbox = [];
    private readonly List<LogEntry> entriesToPersist = [];
    private readonly List<ReadState> readStates = [];
    private readonly List<SnapshotTransfer> snapshotsToSend = [];

    private Ballot promised;
    private ulong commitIndex;
    private ulong appliedIndex;
    private Ballot highestSeen;
    private ReplicaRole role;
    private int leaderId = -1;
    private Ballot ballot;

    private long now;
    private int electionElapsed;
    private int electionTimeout;
    private int heartbeatElapsed;

    private HardState persistedHardState;
    private SoftState reportedSoftState;
    private bool awaitingAdvance;

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
        quorum = options.Quorum;

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
        ackedRound = new ulong[options.ClusterSize];
        nextToSend = new ulong[options.ClusterSize];
        lastHeard = new long[options.ClusterSize];
        snapshotOffered = new SnapshotOffer[options.ClusterSize];
        reportedSoftState = new SoftState(ReplicaRole.Follower, -1, Ballot.Zero);
        BecomeFollower(-1);
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

    /// <summary>Handles a message from a peer. Messages may arrive late, twice or not at all.</summary>
    public void Step(ReplicaMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.To != self || message.From == self || message.From < 0 || message.From >= options.ClusterSize)
        {
            throw new ArgumentException("message is not from a peer to this node", nameof(message));
        }

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
    }

    /// <summary>Advances logical time by one tick: heartbeats on the leader, election timeouts (a pre-vote, then phase 1) elsewhere.</summary>
    public void Tick()
    {
        now++;
        if (role == ReplicaRole.Leader)
        {
            if (++heartbeatElapsed >= options.HeartbeatTicks)
            {
                heartbeatElapsed = 0;
                // The lazy followers' batches go ahead of the heartbeat, whose commit index covers them.
                RetransmitAccepts();
                SendUnsentAccepts(lazyToo: true);
                BroadcastHeartbeat();
            }

            TickTransfer();
            CheckChosenValuesArrive();
            CheckQuorum();
        }
        else
        {
            CountLeaderSilence();
            if (++electionElapsed < electionTimeout)
            {
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
    }

    /// <summary>True if <see cref="TakeReady"/> would return something to do.</summary>
    public bool HasReady()
    {
        return !awaitingAdvance
            && (outbox.Count > 0 || entriesToPersist.Count > 0 || readStates.Count > 0 || failedReads.Count > 0 || snapshotsToSend.Count > 0
                || openBatch.Count > 0 || proposedSinceFlush || commitIndex > appliedIndex
                || CurrentHardState != persistedHardState || CurrentSoftState != reportedSoftState);
    }

    /// <summary>
    /// Collects the pending work (closing the current command batch into its slot). Must be followed by
    /// <see cref="Advance"/> before the next call.
    /// </summary>
    public Ready TakeReady()
    {
        Invariant.Check(!awaitingAdvance, "the previous ready was not advanced");
        FlushProposals();

        HardState hard = CurrentHardState;
        HardState? hardChange = hard != persistedHardState ? hard : null;
        SoftState soft = CurrentSoftState;
        SoftState? softChange = soft != reportedSoftState ? soft : null;

        ulong lastToApply = Math.Min(commitIndex, appliedIndex + (ulong)options.MaxCommittedEntriesPerReady);
        var committed = new LogEntry[lastToApply - appliedIndex];
        for (ulong slot = appliedIndex + 1; slot <= lastToApply; slot++)
        {
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
        if (ready.CommittedEntries.Count > 0)
        {
            Invariant.Check(ready.CommittedEntries[0].Slot == appliedIndex + 1, "committed entries continue the applied prefix");
            ulong last = ready.CommittedEntries[^1].Slot;
            Invariant.Check(last <= commitIndex, "applied index never exceeds the commit index");
            appliedIndex = Math.Max(appliedIndex, last);
        }
    }

    private HardState CurrentHardState => new(promised, commitIndex);

    private SoftState CurrentSoftState => new(role, leaderId, role == ReplicaRole.Follower ? promised : ballot);

    private static uint Bit(int node) => 1u << node;

    private bool IsQuorum(uint mask) => System.Numerics.BitOperations.PopCount(mask) >= quorum;

    private void Send(ReplicaMessage message) => outbox.Add(message);

    private void Persist(LogEntry entry)
    {
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

    private void BecomeFollower(int leader)
    {
        role = ReplicaRole.Follower;
        leaderId = leader;
        leaderCommitIndex = 0;
        ballot = Ballot.Zero;
        ClearProposerState();
        ResetElectionTimer();
        if (leader >= 0)
        {
            HeardFromLeader();
        }
    }
}
