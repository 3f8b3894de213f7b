namespace Paxos.Bench.Watching;

/// <summary>What <c>paxos bench watch</c> runs: how many watchers of one prefix, and how many clients write under it for how long.</summary>
internal sealed record WatchBenchSettings(BenchTarget Target, IReadOnlyList<Uri> Endpoints, int Watchers, int Writers, TimeSpan Duration, int ValueSize)
{
    /// <summary>Each value starts with the 8-byte time it was sent, for the delivery latency.</summary>
    public const int MinValueSize = sizeof(long);

    public void Validate()
    {
        if (Watchers is < 1 or > 100_000)
        {
            throw new BenchUsageException($"--watchers must be 1 to 100000 (got {Watchers})");
        }
        if (Writers is < 1 or > 1024)
        {
            throw new BenchUsageException($"--writers must be 1 to 1024 (got {Writers})");
        }
        if (ValueSize is < MinValueSize or > BenchSettings.MaxValueSize)
        {
            throw new BenchUsageException($"--value-size must be {MinValueSize} to {BenchSettings.MaxValueSize} bytes (got {ValueSize})");
        }
        if (Duration <= TimeSpan.Zero)
        {
            throw new BenchUsageException("--duration must be positive");
        }
    }
}
