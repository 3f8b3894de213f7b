namespace Paxos.Simulation.Infrastructure;

/// <summary>
/// How unreliable a <see cref="SimNetwork{TMessage}"/> is. Without faults, each link is FIFO and a
/// message takes a latency between <see cref="MinLatency"/> and <see cref="MaxLatency"/>.
/// </summary>
/// <param name="DropRate">Probability a message is lost.</param>
/// <param name="DuplicateRate">Probability a message is delivered twice.</param>
/// <param name="ReorderRate">Probability a message ignores FIFO order on its link (it may overtake or be overtaken).</param>
/// <param name="DelayRate">Probability a message is held back by up to <paramref name="MaxExtraDelay"/> more (later messages on its link queue behind it).</param>
/// <param name="MinLatency">Shortest delivery latency.</param>
/// <param name="MaxLatency">Longest delivery latency without a delay fault.</param>
/// <param name="MaxExtraDelay">Longest extra delay of a delayed or reordered message.</param>
public sealed record NetworkFaultRates(
    double DropRate,
    double DuplicateRate,
    double ReorderRate,
    double DelayRate,
    TimeSpan MinLatency,
    TimeSpan MaxLatency,
    TimeSpan MaxExtraDelay)
{
    /// <summary>A reliable network: FIFO links, 1–5 ms latency, nothing lost.</summary>
    public static NetworkFaultRates None { get; } =
        new(0, 0, 0, 0, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5), TimeSpan.Zero);

    /// <inheritdoc/>
    public override string ToString() =>
        $"drop {DropRate:P1}, duplicate {DuplicateRate:P1}, reorder {ReorderRate:P1}, delay {DelayRate:P1} (up to {MaxExtraDelay.TotalMilliseconds:0} ms), latency {MinLatency.TotalMilliseconds:0}-{MaxLatency.TotalMilliseconds:0} ms";
}
