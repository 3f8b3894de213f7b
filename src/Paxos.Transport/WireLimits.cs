namespace Paxos.Transport;

/// <summary>Sizes the wire accepts. Requests over them get INVALID_ARGUMENT, never a crash.</summary>
public static class WireLimits
{
    /// <summary>Largest value a client may propose or write: 1 MiB.</summary>
    public const int MaxValueBytes = 1024 * 1024;

    /// <summary>
    /// Highest ballot round a peer may send: 2^63 - 1, more elections than any cluster will hold. A
    /// ballot at <see cref="ulong.MaxValue"/> would leave no ballot above it, and a node that
    /// promised it could never campaign again (the next ballot would wrap around to 0).
    /// </summary>
    public const ulong MaxBallotRound = long.MaxValue;

    /// <summary>Largest single-decree instance id, in UTF-8 bytes.</summary>
    public const int MaxInstanceIdBytes = 100;

    /// <summary>
    /// Largest gRPC message a node sends or receives; above the value limit so oversized values get a
    /// clear error. The replica core's default message bound, so that there is one source of truth.
    /// </summary>
    public const int MaxMessageBytes = Paxos.Core.Replication.ReplicaOptions.DefaultMaxMessageBytes;
}
