namespace Paxos.Core.Replication;

/// <summary>
/// A linearizable read may be served once the state machine has applied every slot up to
/// <paramref name="Index"/>: the leader confirmed, with a quorum heartbeat round in its ballot
/// started after the request arrived, that no other leader had been elected.
/// </summary>
public readonly record struct ReadState(ulong RequestId, ulong Index);

/// <summary>
/// The entries <paramref name="To"/> asks for were compacted here: the driver sends it this node's
/// snapshot taken at <paramref name="Index"/>; the receiving driver restores it and calls
/// <see cref="ReplicaCore.ReportSnapshotInstalled"/>.
/// </summary>
public readonly record struct SnapshotTransfer(int To, ulong Index);

/// <summary>
/// Everything the replica asks of its driver, in this order: (1) persist <see cref="HardState"/> and
/// <see cref="Entries"/>, durably (fsync) when <see cref="MustSync"/>, because promises and accepts are only valid once durable;
/// (2) only then send <see cref="Messages"/> (requests may leave earlier: <see cref="MaySendBeforePersisting"/>); (3) apply <see cref="CommittedEntries"/> in slot order;
/// (4) answer <see cref="ReadStates"/> once applied up to their index, fail <see cref="FailedReads"/>; (5) start
/// <see cref="SnapshotsToSend"/>. Then call <see cref="ReplicaCore.Advance"/>.
/// </summary>
public sealed class Ready
{
    internal Ready(
        HardState? hardState,
        bool mustSync,
        IReadOnlyList<LogEntry> entries,
        IReadOnlyList<ReplicaMessage> messages,
        IReadOnlyList<LogEntry> committedEntries,
        IReadOnlyList<ReadState> readStates,
        IReadOnlyList<ulong> failedReads,
        IReadOnlyList<SnapshotTransfer> snapshotsToSend,
        SoftState? softState)
    {
        HardState = hardState;
        MustSync = mustSync;
        Entries = entries;
        Messages = messages;
        CommittedEntries = committedEntries;
        ReadStates = readStates;
        FailedReads = failedReads;
        SnapshotsToSend = snapshotsToSend;
        SoftState = softState;
    }

    /// <summary>New promised ballot and/or commit index to persist; null if unchanged.</summary>
    public HardState? HardState { get; }

    /// <summary>
    /// True if <see cref="Entries"/> or the promised ballot changed: then they must be durable (fsync)
    /// before the replies in <see cref="Messages"/> leave. A ready that only moves the commit index is
    /// written without an fsync (it becomes durable with the next one): a commit index lost in a crash
    /// is learned again from the peers, and what is chosen stays chosen on the quorum that accepted it.
    /// </summary>
    public bool MustSync { get; }

    /// <summary>Accepted (or learned chosen) entries to persist, overwriting any earlier entry of the same slot; in order, the last write of a slot wins.</summary>
    public IReadOnlyList<LogEntry> Entries { get; }

    /// <summary>
    /// Messages to send after persisting (those for which <see cref="MaySendBeforePersisting"/> holds
    /// may leave while the persist runs). Any of them may be lost, duplicated or reordered.
    /// </summary>
    public IReadOnlyList<ReplicaMessage> Messages { get; }

    /// <summary>
    /// True for requests (Prepare, Accept, Heartbeat, CatchUpRequest, ReadIndexRequest, TakeOver, PreVote): they report nothing this node
    /// promised or accepted, so a driver may send them while it persists this ready, letting a
    /// leader's disk write overlap its followers'. This node's own promise or acceptance counts
    /// towards a quorum only when replies are stepped, which a driver does after this ready is
    /// persisted. Replies (Promise, AcceptReply, Nack, HeartbeatReply, CatchUp, PreVoteReply) report durable
    /// state and must wait for the persist.
    /// </summary>
    public static bool MaySendBeforePersisting(ReplicaMessage message) =>
        message is Prepare or Accept or Heartbeat or CatchUpRequest or ReadIndexRequest or TakeOver or PreVote;

    /// <summary>Chosen entries to apply, contiguous and in slot order, continuing after the last applied slot.</summary>
    public IReadOnlyList<LogEntry> CommittedEntries { get; }

    /// <summary>Confirmed read indexes.</summary>
    public IReadOnlyList<ReadState> ReadStates { get; }

    /// <summary>
    /// Request ids of reads (from <see cref="ReplicaCore.ReadIndex"/>) that will never be confirmed: the
    /// leadership they waited on ended, this node's leader changed, or the leader did not answer in
    /// time. The driver fails them so that clients retry.
    /// </summary>
    public IReadOnlyList<ulong> FailedReads { get; }

    /// <summary>Snapshots to send to lagging nodes.</summary>
    public IReadOnlyList<SnapshotTransfer> SnapshotsToSend { get; }

    /// <summary>New role/leader/ballot; null if unchanged.</summary>
    public SoftState? SoftState { get; }
}
