namespace Paxos.KeyValue;

/// <summary>
/// The write was not applied: its client already had a later request applied
/// (<see cref="LatestRequestId"/>), so this one is an old retry whose result is no longer kept.
/// </summary>
public sealed class StaleRequestResult(ulong latestRequestId) : KeyValueResult
{
    /// <summary>The client's latest applied request id, greater than the stale request's.</summary>
    public ulong LatestRequestId { get; } = latestRequestId;
}
