using Paxos.Core.Replication;

namespace Paxos.Node.Replication;

/// <summary>
/// Bugs the simulator plants in a <see cref="ReplicaNode"/> to show that its checks find them, and
/// what it watches: set only through <see cref="ReplicaNodeOptions"/>' internal property, from the
/// simulator (tests/Paxos.Simulation); the shipped program has no way to set them.
/// </summary>
internal sealed record ReplicaTestHooks
{
    /// <summary>No planted bug, nothing watched: what every node of the shipped program runs with.</summary>
    public static readonly ReplicaTestHooks None = new();

    /// <summary>The ready processing sends every message, acknowledgements included, before the log is written, and never fsyncs it there.</summary>
    public bool AckBeforeFsync { get; init; }

    /// <summary>A node that believes it leads answers a read barrier at once, from its own state, without a read index.</summary>
    public bool LeaderReadsLocally { get; init; }

    /// <summary>A command forwarded to the leader is sent to it twice, as two forwards.</summary>
    public bool ForwardTwice { get; init; }

    /// <summary>A snapshot received from the leader is installed even if it is not ahead of what the node applied.</summary>
    public bool InstallOlderSnapshot { get; init; }

    /// <summary>The recovered log forgets the promised ballot (it comes back as zero; the commit index is kept).</summary>
    public bool ForgetPromise { get; init; }

    /// <summary>Called with the slot applied before and the entry, as each chosen slot is applied.</summary>
    public Action<ulong, LogEntry>? Applying { get; init; }
}
