namespace Paxos.KeyValue;

/// <summary>
/// The command would pass a bound of the replicated state (<see cref="KeyValueLimits.MaxLeases"/>,
/// <see cref="KeyValueLimits.MaxKeysPerLease"/>) and changed nothing; every replica refuses it alike.
/// </summary>
public sealed class ExhaustedResult(string reason) : KeyValueResult
{
    /// <summary>Which bound, suitable for a RESOURCE_EXHAUSTED status message.</summary>
    public string Reason { get; } = reason;
}
