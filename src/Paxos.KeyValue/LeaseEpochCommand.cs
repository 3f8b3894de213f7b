using Paxos.Core;

namespace Paxos.KeyValue;

/// <summary>
/// A new leader's claim to decide lease expiries: makes <see cref="Epoch"/> (its ballot) the
/// store's lease epoch if it is higher than the current one, else changes nothing. Only
/// <see cref="LeaseExpireCommand"/>s of the current epoch take effect.
/// </summary>
public sealed class LeaseEpochCommand(Ballot epoch) : KeyValueCommand("", 0)
{
    /// <summary>The ballot of the leader that proposed it.</summary>
    public Ballot Epoch { get; } = epoch;
}
