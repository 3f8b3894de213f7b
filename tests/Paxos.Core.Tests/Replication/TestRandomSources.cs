using Paxos.Core.Replication;

namespace Paxos.Core.Tests.Replication;

/// <summary>The test driver's seeded randomness for election jitter.</summary>
internal sealed class SeededRandomSource(int seed) : IRandomSource
{
    private readonly Random random = new(seed);

    public int NextBelow(int maxExclusive) => random.Next(maxExclusive);
}

/// <summary>Randomness that always returns the same value, for unit tests with exact timeouts.</summary>
internal sealed class FixedRandomSource(int value) : IRandomSource
{
    public int NextBelow(int maxExclusive) => Math.Min(value, maxExclusive - 1);
}
