namespace Paxos.Core.Replication;

/// <summary>
/// The only source of randomness the replica uses: election-timeout jitter, which breaks the
/// symmetry between duelling candidates so one of them wins (no livelock). The driver supplies it,
/// seeded, so a replica's behaviour is a deterministic function of its inputs.
/// </summary>
public interface IRandomSource
{
    /// <summary>Returns a value in [0, <paramref name="maxExclusive"/>).</summary>
    int NextBelow(int maxExclusive);
}
