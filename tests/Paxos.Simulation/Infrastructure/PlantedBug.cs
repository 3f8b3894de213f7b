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
}
