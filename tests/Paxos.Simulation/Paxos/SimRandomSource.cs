using Paxos.Core.Replication;
using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Paxos;

/// <summary>Feeds the core's election jitter from a seeded <see cref="SimRandom"/>, so a replica is a function of the seed.</summary>
/// <param name="random">The replica process's own random stream.</param>
internal sealed class SimRandomSource(SimRandom random) : IRandomSource
{
    /// <inheritdoc/>
    public int NextBelow(int maxExclusive) => random.NextInt(maxExclusive);
}
