namespace Paxos.Cluster.Tests.Chaos;

/// <summary>The kinds of fault episode a <see cref="Nemesis"/> runs.</summary>
internal enum EpisodeKind
{
    /// <summary>SIGKILL a random node, then restart it.</summary>
    KillRandom,

    /// <summary>SIGKILL the leader, then restart it.</summary>
    KillLeader,

    /// <summary>SIGSTOP a random node, then SIGCONT.</summary>
    PauseRandom,

    /// <summary>SIGSTOP the leader past the election timeout, then SIGCONT.</summary>
    PauseLeader,

    /// <summary>Cut a random node off the network, then heal.</summary>
    CutOffRandom,

    /// <summary>Cut the leader off the network, then heal.</summary>
    CutOffLeader,

    /// <summary>SIGKILL the leader and one more node.</summary>
    KillLeaderAndAnother,

    /// <summary>Pause the leader, kill one node and cut off another: three of five down.</summary>
    MajorityDown,

    /// <summary>SIGKILL every node, then restart them all.</summary>
    KillAll,

    /// <summary>Remove a random member and add a fresh node (a new id) in its place: join, learner, promoted once caught up. Membership runs only.</summary>
    ReplaceNode,
}
