using HdrHistogram;

namespace Paxos.Bench.Tests;

public class LatencySummaryTests
{
    [Fact]
    public void Percentiles_of_one_to_a_thousand_milliseconds()
    {
        var histogram = new LongHistogram(1, 60_000_000, 3);
        for (long ms = 1; ms <= 1000; ms++)
        {
            histogram.RecordValue(ms * 1000);
        }

        var summary = LatencySummary.FromMicroseconds(histogram);

        // Three significant digits: each value is within 0.1% of the recorded one.
        Assert.Equal(500, summary.P50, tolerance: 0.5);
        Assert.Equal(900, summary.P90, tolerance: 0.9);
        Assert.Equal(990, summary.P99, tolerance: 1.0);
        Assert.Equal(999, summary.P999, tolerance: 1.0);
        Assert.Equal(1000, summary.Max, tolerance: 1.0);
    }

    [Fact]
    public void A_single_value_is_every_percentile()
    {
        var histogram = new LongHistogram(1, 60_000_000, 3);
        histogram.RecordValue(1_234);

        var summary = LatencySummary.FromMicroseconds(histogram);

        Assert.All(new[] { summary.P50, summary.P90, summary.P99, summary.P999, summary.Max }, p => Assert.Equal(1.234, p, tolerance: 0.002));
    }

    [Fact]
    public void An_empty_histogram_is_all_zero()
    {
        Assert.Equal(LatencySummary.None, LatencySummary.FromMicroseconds(new LongHistogram(1, 1000, 3)));
    }
}
