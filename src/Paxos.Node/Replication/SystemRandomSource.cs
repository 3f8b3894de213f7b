using Paxos.Core.Replication;

namespace Paxos.Node.Replication;

/// <summary>Election jitter for a real node: each node draws its own, so candidates rarely collide.</summary>
public sealed class SystemRandomSource : IRandomSource
{
    private readonly Random _random = new();

    /// <inheritdoc/>
    public int NextBelow(int maxExclusive) => _random.Next(maxExclusive);
}
