namespace Paxos.KeyValue;

/// <summary>
/// Bounds of the exactly-once table of <see cref="KeyValueStateMachine"/>. They decide which
/// clients are forgotten, so every replica of a cluster must use the same values.
/// </summary>
public sealed class KeyValueStateMachineOptions
{
    /// <summary>The most clients remembered; beyond it the least recently written is forgotten. At least 1.</summary>
    public int MaxClients { get; init; } = 100_000;

    /// <summary>
    /// The most bytes of cached results remembered (a failed compare-and-swap caches up to 1 MiB);
    /// beyond it the least recently written clients are forgotten, except the latest one.
    /// </summary>
    public long MaxCachedResultBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>
    /// A client is forgotten once its last write is more than this many indexes older than the
    /// command being applied. Null: never by age.
    /// </summary>
    public ulong? ClientExpiryIndexes { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxClients, 1, nameof(MaxClients));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxCachedResultBytes, 1, nameof(MaxCachedResultBytes));
        if (ClientExpiryIndexes is 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ClientExpiryIndexes), "ClientExpiryIndexes must be at least 1 (or null for no expiry).");
        }
    }
}
