using System.Globalization;
using ScottPlot;

namespace Paxos.Bench.Reporting;

/// <summary>
/// A PNG chart of throughput (left axis, solid lines) and p99 latency (right axis, dashed lines)
/// against client count, one pair of lines per target and workload. Workloads measured at only one
/// client count are left out unless no workload has more.
/// </summary>
public static class ThroughputChart
{
    /// <summary>Draws the chart of <paramref name="results"/> (failed runs aside) into <paramref name="path"/>.</summary>
    public static void Save(IReadOnlyList<BenchResult> results, string path)
    {
        var measured = PerformanceReport.Representative(results).Where(r => r.Failure is null).ToList();
        var series = measured.GroupBy(r => (r.Target, r.Label)).ToList();
        if (series.Any(s => s.Count() > 1))
        {
            series = [.. series.Where(s => s.Count() > 1)];
        }
        int[] clientCounts = [.. series.SelectMany(s => s).Select(r => r.Clients).Distinct().Order()];

        var plot = new Plot();
        plot.Font.Set("DejaVu Sans");
        plot.Title("Throughput and p99 latency by client count");
        plot.Axes.Bottom.Label.Text = "clients (concurrent requests)";
        plot.Axes.Left.Label.Text = "throughput (ops/s), solid";
        plot.Axes.Right.Label.Text = "p99 latency (ms), dashed";
        plot.Axes.Bottom.SetTicks([.. clientCounts.Select((_, i) => (double)i)], [.. clientCounts.Select(c => c.ToString(CultureInfo.InvariantCulture))]);

        var palette = new ScottPlot.Palettes.Category10();
        int colorIndex = 0;
        foreach (var line in series)
        {
            var points = line.OrderBy(r => r.Clients).ToList();
            double[] xs = [.. points.Select(r => (double)Array.IndexOf(clientCounts, r.Clients))];
            var color = palette.GetColor(colorIndex++);

            var throughput = plot.Add.Scatter(xs, [.. points.Select(r => r.OpsPerSecond)], color);
            throughput.LegendText = $"{line.Key.Target} {line.Key.Label} ops/s";
            throughput.LineWidth = 2;
            throughput.MarkerSize = 8;

            var p99 = plot.Add.Scatter(xs, [.. points.Select(r => r.Latency.P99)], color);
            p99.LegendText = $"{line.Key.Target} {line.Key.Label} p99 ms";
            p99.LinePattern = LinePattern.Dashed;
            p99.LineWidth = 2;
            p99.MarkerShape = MarkerShape.OpenSquare;
            p99.MarkerSize = 8;
            p99.Axes.YAxis = plot.Axes.Right;
        }
        plot.Axes.Margins(0.1, 0.15);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1000, 560);
    }
}
