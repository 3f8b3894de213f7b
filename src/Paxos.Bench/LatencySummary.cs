using HdrHistogram;

namespace Paxos.Bench;

/// <summary>Latency percentiles of a run, in milliseconds.</summary>
/// <param name="P50">The median.</param>
/// <param name="P90">The 90th percentile.</param>
/// <param name="P99">The 99th percentile.</param>
/// <param name="P999">The 99.9th percentile.</param>
/// <param name="Max">The slowest request.</param>
public sealed record LatencySummary(double P50, double P90, double P99, double P999, double Max)
{
    /// <summary>All zero: no request completed.</summary>
    public static LatencySummary None { get; } = new(0, 0, 0, 0, 0);

    /// <summary>The percentiles of a histogram of latencies recorded in microseconds.</summary>
    public static LatencySummary FromMicroseconds(HistogramBase histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        if (histogram.TotalCount == 0)
        {
            return None;
        }
        return new LatencySummary(
            Milliseconds(histogram.GetValueAtPercentile(50)),
            Milliseconds(histogram.GetValueAtPercentile(90)),
            Milliseconds(histogram.GetValueAtPercentile(99)),
            Milliseconds(histogram.GetValueAtPercentile(99.9)),
            Milliseconds(histogram.GetMaxValue()));
    }

    private static double Milliseconds(long microseconds) => Math.Round(microseconds / 1000.0, 3);
}
