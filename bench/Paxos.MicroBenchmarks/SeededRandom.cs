using Paxos.Core.Replication;

namespace Paxos.MicroBenchmarks;

/// <summary>The core's source of randomness (election timeouts), seeded so every run is the same.</summary>
internal sealed class SeededRandom(int seed) : IRandomSource
{
    private readonly Random _random = new(seed);

    /// <inheritdoc/>
    public int NextBelow(int maxExclusive) => _random.Next(maxExclusive);
}
