namespace Paxos.Core.Replication;

/// <summary>
/// A message between replicas. Immutable; <see cref="From"/> and <see cref="To"/> are node numbers.
/// Every field is a ballot (round + node id), a slot (ulong), a count or a list of
/// <see cref="LogEntry"/>, so each type maps directly onto a protobuf message.
/// </summary>
public abstract record ReplicaMessage(int From, int To);

/// <summary>Phase 1a: a candidate asks for a promise in <paramref name="Ballot"/> for every slot from <paramref name="FromSlot"/> on.</summary>
public sealed record Prepare(int From, int To, Ballot Ballot, ulong FromSlot) : ReplicaMessage(From, To);

/// <summary>
/// Phase 1b, or one part of it: the acceptor promises to accept nothing below <paramref name="Ballot"/>.
/// It reports its commit index (slots up to it are chosen and need no re-proposal) and every entry it
/// accepted above that index in slots <paramref name="FirstSlot"/>..<paramref name="LastSlot"/>.
/// A promise whose entries do not fit in one message comes in parts over consecutive ranges, the
/// first from the prepare's first slot, the last up to <see cref="ulong.MaxValue"/> (the defaults:
/// a promise in one part). <paramref name="MembershipSlot"/> is the slot of the newest membership the
/// acceptor knows chosen: a candidate that knows an older one lacks a change and must catch up first.
/// </summary>
public sealed record Promise(
    int From, int To, Ballot Ballot, ulong CommitIndex, IReadOnlyList<LogEntry> Accepted, ulong FirstSlot = 0, ulong LastSlot = ulong.MaxValue,
    ulong MembershipSlot = 0)
    : ReplicaMessage(From, To);

/// <summary>Rejection of a prepare, accept or heartbeat in <paramref name="Rejected"/>: the acceptor has promised the higher <paramref name="Promised"/>.</summary>
public sealed record Nack(int From, int To, Ballot Rejected, Ballot Promised) : ReplicaMessage(From, To);

/// <summary>
/// Phase 2a: the leader of <paramref name="Ballot"/> asks to accept many slots at once (every entry's
/// ballot is <paramref name="Ballot"/>), and tells its commit index.
/// </summary>
public sealed record Accept(int From, int To, Ballot Ballot, ulong CommitIndex, IReadOnlyList<LogEntry> Entries)
    : ReplicaMessage(From, To);

/// <summary>Phase 2b: the slots the acceptor accepted in <paramref name="Ballot"/>, and its own commit index.</summary>
public sealed record AcceptReply(int From, int To, Ballot Ballot, IReadOnlyList<ulong> Slots, ulong CommitIndex)
    : ReplicaMessage(From, To);

/// <summary>The leader of <paramref name="Ballot"/> is alive; its commit index; <paramref name="Round"/> numbers the broadcast for read-index confirmation.</summary>
public sealed record Heartbeat(int From, int To, Ballot Ballot, ulong CommitIndex, ulong Round) : ReplicaMessage(From, To);

/// <summary>
/// The sender still accepts <paramref name="Ballot"/> (has promised nothing higher) after heartbeat
/// round <paramref name="Round"/>; its commit index lets a lagging leader fetch what it lacks, and
/// its highest accepted slot lets the leader decide slots that only a deposed leader's followers
/// accepted; its applied index tells whether a learner is caught up enough to be promoted.
/// </summary>
public sealed record HeartbeatReply(int From, int To, Ballot Ballot, ulong Round, ulong CommitIndex, ulong LastAccepted, ulong AppliedIndex = 0) : ReplicaMessage(From, To);

/// <summary>
/// A follower asks the leader for a read index on behalf of the linearizable reads it received;
/// <paramref name="Token"/> names that batch of reads (raft's follower ReadIndex).
/// </summary>
public sealed record ReadIndexRequest(int From, int To, ulong Token) : ReplicaMessage(From, To);

/// <summary>
/// The leader of <paramref name="Ballot"/> confirmed with a quorum heartbeat round, started after
/// <paramref name="Token"/>'s request arrived, that it still led: reads of that batch may be served
/// once applied up to <paramref name="Index"/>, which is at most its commit index.
/// </summary>
public sealed record ReadIndexReply(int From, int To, Ballot Ballot, ulong Token, ulong Index) : ReplicaMessage(From, To);

/// <summary>A learner asks for the chosen values from <paramref name="FromSlot"/> on.</summary>
public sealed record CatchUpRequest(int From, int To, ulong FromSlot) : ReplicaMessage(From, To);

/// <summary>Chosen entries, contiguous from the requested slot, and the sender's commit index.</summary>
public sealed record CatchUp(int From, int To, ulong CommitIndex, IReadOnlyList<LogEntry> Entries) : ReplicaMessage(From, To);

/// <summary>
/// Before phase 1, a node whose election timer ran out asks whether the receiver would join an
/// election in <paramref name="Ballot"/> (raft's pre-vote). Nothing is promised or persisted on either
/// side: it only keeps a node that alone lost touch with a healthy leader (restarted, cut off) from
/// deposing it with a higher ballot.
/// </summary>
public sealed record PreVote(int From, int To, Ballot Ballot) : ReplicaMessage(From, To);

/// <summary>
/// The answer to the <see cref="PreVote"/> for <paramref name="Ballot"/>: granted unless the sender leads
/// or heard from its leader within the last election timeout. <paramref name="Promised"/> lets the
/// asker pick a ballot above every promise it heard of.
/// </summary>
public sealed record PreVoteReply(int From, int To, Ballot Ballot, bool Granted, Ballot Promised) : ReplicaMessage(From, To);

/// <summary>
/// The leader of <paramref name="Ballot"/> hands its leadership to the receiver: every slot it proposed
/// is chosen (up to <paramref name="CommitIndex"/>), and it proposes nothing new, so the receiver
/// should run phase 1 now instead of waiting for its election timeout (raft's TimeoutNow). Only
/// liveness rests on it: the receiver's phase 1 is an ordinary one.
/// </summary>
public sealed record TakeOver(int From, int To, Ballot Ballot, ulong CommitIndex) : ReplicaMessage(From, To);
