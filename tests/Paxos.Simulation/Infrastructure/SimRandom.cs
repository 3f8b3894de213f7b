namespace Paxos.Simulation.Infrastructure;

/// <summary>
/// The simulation's only source of randomness: xoshiro256** seeded through SplitMix64. The
/// algorithm is fixed here (unlike <see cref="System.Random"/>, whose algorithm may change between
/// runtime versions), so a seed replays the identical run on any machine and .NET version.
/// Not thread-safe; a simulation runs on one thread.
/// </summary>
public sealed class SimRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    /// <summary>Creates a generator whose whole output is determined by <paramref name="seed"/>.</summary>
    public SimRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>The next 64 uniformly random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return (int)NextUInt64(checked((ulong)maxExclusive));
    }

    /// <summary>A uniform integer in [<paramref name="minInclusive"/>, <paramref name="maxExclusive"/>).</summary>
    public int NextInt(int minInclusive, int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(minInclusive, maxExclusive);
        return minInclusive + (int)NextUInt64((ulong)((long)maxExclusive - minInclusive));
    }

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>), by rejection sampling.</summary>
    public ulong NextUInt64(ulong maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfZero(maxExclusive);
        ulong limit = ulong.MaxValue - (ulong.MaxValue % maxExclusive);
        ulong r;
        do
        {
            r = NextUInt64();
        }
        while (r >= limit);
        return r % maxExclusive;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform double in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public double NextDouble(double min, double max) => min + (NextDouble() * (max - min));

    /// <summary>A uniform duration in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public TimeSpan NextDuration(TimeSpan min, TimeSpan max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        return min + TimeSpan.FromTicks((long)NextUInt64((ulong)(max - min).Ticks + 1));
    }

    /// <summary>True with probability <paramref name="probability"/> (0 never, 1 always).</summary>
    public bool Chance(double probability) => probability > 0 && (probability >= 1 || NextDouble() < probability);

    /// <summary>A uniformly chosen element of <paramref name="items"/>.</summary>
    public T Pick<T>(IReadOnlyList<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return items[NextInt(items.Count)];
    }

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher–Yates).</summary>
    public void Shuffle<T>(IList<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>
    /// A new generator seeded from this one. Giving each component its own fork keeps a change in
    /// how much randomness one component draws from shifting every other component's choices.
    /// </summary>
    public SimRandom Fork() => new(NextUInt64());

    private static ulong SplitMix64(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        ulong z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
