using Paxos.Core;

namespace Paxos.KeyValue;

/// <summary>
/// The leader's decision that lease <see cref="LeaseId"/> expired: revokes it like
/// <see cref="LeaseRevokeCommand"/>, but only if <see cref="Epoch"/>, the ballot of the leader
/// that decided it, is still the store's lease epoch (<see cref="LeaseEpochCommand"/>). An expiry
/// decided by a leader that has since been replaced, however late it reaches the log, changes nothing.
/// </summary>
public sealed class LeaseExpireCommand(ulong leaseId, Ballot epoch) : KeyValueCommand("", 0)
{
    /// <summary>The lease that expired.</summary>
    public ulong LeaseId { get; } = leaseId;

    /// <summary>The ballot of the leader that decided the expiry.</summary>
    public Ballot Epoch { get; } = epoch;
}
