namespace Paxos.Simulation.Infrastructure;

/// <summary>
/// A deliberate bug the simulator can switch on to prove its checks catch that class of error.
/// Command-line names are kebab-case (see <see cref="PlantedBugs"/>).
/// </summary>
public enum PlantedBug
{
    /// <summary>No bug planted.</summary>
    None,

    /// <summary>"forget-promise": an acceptor does not persist its promise before answering.</summary>
    ForgetPromise,

    /// <summary>"ignore-accepted": a new leader ignores values already accepted in phase 1 replies.</summary>
    IgnoreAccepted,

    /// <summary>"stale-read": reads are served from local state without confirming leadership or freshness.</summary>
    StaleRead,

    /// <summary>"ack-before-fsync": a write is acknowledged before it is durable.</summary>
    AckBeforeFsync,

    /// <summary>"skip-recovery": a restarted node does not replay its durable state.</summary>
    SkipRecovery,
}
