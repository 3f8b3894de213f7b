namespace Paxos.Core.Replication;

/// <summary>The proposer role of a replica. Every replica is always an acceptor and a learner.</summary>
public enum ReplicaRole
{
    /// <summary>Follows the leader it last heard from; becomes a candidate when it hears nothing for an election timeout.</summary>
    Follower,

    /// <summary>Running phase 1 in its own ballot for all slots from its first unchosen slot.</summary>
    Candidate,

    /// <summary>Holds promises from a quorum: the distinguished proposer, serving commands with phase 2 only.</summary>
    Leader,
}

/// <summary>Volatile status reported to the driver when it changes (who leads, in which ballot).</summary>
public readonly record struct SoftState(ReplicaRole Role, int LeaderId, Ballot Ballot);
