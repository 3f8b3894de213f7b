using Paxos.Core;

namespace Paxos.KeyValue;

/// <summary>The store's lease epoch after a <see cref="LeaseEpochCommand"/> (the command's own if it was higher).</summary>
public sealed class LeaseEpochResult(Ballot epoch) : KeyValueResult
{
    /// <summary>The lease epoch now.</summary>
    public Ballot Epoch { get; } = epoch;
}
