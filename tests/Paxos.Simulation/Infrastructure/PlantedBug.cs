namespace Paxos.Simulation.Infrastructure;

/// <summary>
/// A deliberate bug the simulator can switch on to prove its checks catch that class of error.
/// Command-line names are kebab-case (see <see cref="PlantedBugs"/>).
/// </summary>
public enum PlantedBug
{
    /// <summary>No bug planted.</summary>
    None,

    /// <summary>"forget-promise": an acceptor does not keep its promise across a restart (it recovers the promised ballot as zero).</summary>
    ForgetPromise,

    /// <summary>"ignore-accepted": a candidate ignores the accepted values its peers report in their promises.</summary>
    IgnoreAccepted,

    /// <summary>"stale-read": a node that believes it leads serves linearizable reads from its local state, without a read index.</summary>
    StaleRead,

    /// <summary>"ack-before-fsync": the write-ahead log lets promises, accepts and acknowledgements leave before its fsync.</summary>
    AckBeforeFsync,

    /// <summary>"skip-recovery": a new leader does not re-propose the values it learned of in phase 1 (it proposes no-ops there).</summary>
    SkipRecovery,

    /// <summary>"leave-stranded": a leader does not decide the slots above its own that only a deposed leader's proposals reached.</summary>
    LeaveStranded,

    /// <summary>"install-older-snapshot": a node installs a snapshot from the leader that is not ahead of what it applied.</summary>
    InstallOlderSnapshot,

    /// <summary>"forward-twice": a node that does not lead forwards a client's write to the leader twice.</summary>
    ForwardTwice,

    /// <summary>"skip-snapshot-dir-sync": the snapshot store renames a new snapshot into place without fsyncing the directory.</summary>
    SkipSnapshotDirSync,

    /// <summary>A candidate ignores that a promiser knows a newer chosen membership (<c>ReplicaOptions.PlantStaleMembership</c>).</summary>
    StaleMembership,

    /// <summary>"trust-snapshot-in-transit": a received snapshot is not checked against the checksums its sender gave.</summary>
    TrustSnapshotInTransit,

    /// <summary>"lease-ignores-keep-alive": the leader's lease keeper confirms a keep-alive without resetting the lease's deadline (<c>LeaseKeeper.PlantIgnoreKeepAlive</c>).</summary>
    LeaseIgnoresKeepAlive,

    /// <summary>"txn-half": a transaction's success branch is sent with its first operation only (the client's translation drops the write to the second key).</summary>
    TxnHalf,

    /// <summary>"watch-misses-snapshot": a node's change feed keeps its watchers following when a snapshot replaces the state past them (<c>ChangeFeed.PlantKeepWatchersOnReset</c>).</summary>
    WatchMissesSnapshot,
}
