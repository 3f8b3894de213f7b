using System.Globalization;
using System.Text;

namespace Paxos.Bench;

/// <summary>A <see cref="BenchResult"/> as a small table for people.</summary>
public static class BenchResultTable
{
    /// <summary>The result as lines of text, ending with a line break.</summary>
    public static string Format(BenchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder();
        Row(text, "workload", result.Label);
        Row(text, "target", result.Target);
        Row(text, "clients", Number(result.Clients));
        if (result.Failure is not null)
        {
            Row(text, "failed", result.Failure);
            return text.ToString();
        }
        Row(text, "duration", Number(result.DurationSeconds) + " s");
        Row(text, "ops", Number(result.Ops));
        Row(text, "throughput", Number(result.OpsPerSecond) + " ops/s");
        Row(text, "errors", Number(result.Errors));
        if (result.FirstError is not null)
        {
            Row(text, "first error", result.FirstError);
        }
        if (result.ProbeMs > 0)
        {
            Row(text, "machine probe", Number(result.ProbeMs) + " ms of CPU per fixed loop (median; lower is faster)");
        }
        if (result.Workload is "cas" or "txn")
        {
            Row(text, "compare held", Number(result.Ops - result.CasFailed));
            Row(text, "compare failed", Number(result.CasFailed));
        }
        text.AppendLine("latency (ms)     p50        p90        p99        p99.9      max");
        text.Append(CultureInfo.InvariantCulture, $"                 {result.Latency.P50,-10:0.000} {result.Latency.P90,-10:0.000} {result.Latency.P99,-10:0.000} {result.Latency.P999,-10:0.000} {result.Latency.Max:0.000}");
        text.AppendLine();
        return text.ToString();
    }

    private static void Row(StringBuilder text, string name, string value) =>
        text.Append(CultureInfo.InvariantCulture, $"{name,-17}{value}").AppendLine();

    private static string Number(double value) => value.ToString("#,0.###", CultureInfo.InvariantCulture);
}
