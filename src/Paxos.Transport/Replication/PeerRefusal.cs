namespace Paxos.Transport.Replication;

/// <summary>
/// Why a node refuses a peer's message: the label of the refusal counter
/// (<c>paxos_peer_messages_refused_total{reason}</c>) and of the log line.
/// </summary>
public static class PeerRefusal
{
    /// <summary>The call presents no cluster id or node id.</summary>
    public const string Unidentified = "unidentified";

    /// <summary>The call presents the id of another cluster.</summary>
    public const string OtherCluster = "other_cluster";

    /// <summary>The caller, or a message's sender, is not another member of this cluster.</summary>
    public const string NotMember = "not_member";

    /// <summary>The caller is a node that was removed from the cluster: it must stop.</summary>
    public const string Removed = "removed";

    /// <summary>The caller presents a node number above every number this node knows: a node added by a membership this node has not applied yet (it retries).</summary>
    public const string NotYetKnown = "not_yet_known";

    /// <summary>A message names a sender other than the node that called.</summary>
    public const string WrongSender = "wrong_sender";

    /// <summary>A Prepare, Accept or other message carrying its sender's ballot carries another node's ballot.</summary>
    public const string BallotNotSender = "ballot_not_sender";

    /// <summary>A message is addressed to another node.</summary>
    public const string WrongRecipient = "wrong_recipient";

    /// <summary>
    /// A message carries a ballot whose round is more than <see cref="Core.BallotBound.MaxRoundsAhead"/> above
    /// the ballot this node has promised: no election makes such a jump, and a round near the wire's
    /// limit would leave no ballot to outbid it.
    /// </summary>
    public const string BallotTooFarAhead = "ballot_too_far_ahead";

    /// <summary>A message does not parse or breaks the wire format's rules.</summary>
    public const string Malformed = "malformed";
}

/// <summary>
/// A peer message refused for who sent it or to whom, not for its form; <see cref="Reason"/> is one
/// of <see cref="PeerRefusal"/>'s labels.
/// </summary>
public sealed class PeerIdentityException(string reason, string message) : Exception(message)
{
    /// <summary>Why it was refused: the metric label.</summary>
    public string Reason { get; } = reason;
}
