using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Paxos.Bench;

/// <summary>
/// The one-line JSON form of a <see cref="BenchResult"/>, as printed on stdout and collected into
/// <c>bench/results/*.jsonl</c>. Field names are snake case; latencies are in milliseconds.
/// </summary>
public static class BenchResultJson
{
    /// <summary>The result as one line of JSON (no line break).</summary>
    public static string Write(BenchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("workload", result.Workload);
            json.WriteString("target", result.Target);
            json.WriteNumber("clients", result.Clients);
            json.WriteString("consistency", result.Consistency);
            json.WriteNumber("read_ratio", result.ReadRatio);
            json.WriteNumber("duration_s", result.DurationSeconds);
            json.WriteNumber("ops", result.Ops);
            json.WriteNumber("ops_per_sec", result.OpsPerSecond);
            json.WriteNumber("errors", result.Errors);
            json.WriteNumber("cas_failed", result.CasFailed);
            json.WriteNumber("p50_ms", result.Latency.P50);
            json.WriteNumber("p90_ms", result.Latency.P90);
            json.WriteNumber("p99_ms", result.Latency.P99);
            json.WriteNumber("p999_ms", result.Latency.P999);
            json.WriteNumber("max_ms", result.Latency.Max);
            json.WriteNumber("load_1m", result.LoadAverage);
            json.WriteNumber("value_size", result.ValueSize);
            json.WriteString("balance", result.Balance);
            json.WriteNumber("written_mib_per_sec", result.WrittenMiBPerSecond);
            if (result.ProbeMs > 0)
            {
                json.WriteNumber("probe_ms", result.ProbeMs);
            }
            json.WriteString("command", result.Command);
            if (result.FirstError is not null)
            {
                json.WriteString("first_error", result.FirstError);
            }
            if (result.Failure is not null)
            {
                json.WriteString("failure", result.Failure);
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Reads a line written by <see cref="Write"/>; throws <see cref="BenchUsageException"/> if it is
    /// not one. <c>load_1m</c>, <c>probe_ms</c>, <c>first_error</c> and <c>failure</c> may be missing, and so may <c>value_size</c> and
    /// <c>balance</c> in lines written before they were recorded: every such run used 100-byte values
    /// and kept one endpoint per client.
    /// </summary>
    public static BenchResult Parse(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            return new BenchResult(
                root.GetProperty("workload").GetString() ?? "",
                root.GetProperty("target").GetString() ?? "",
                root.GetProperty("clients").GetInt32(),
                root.GetProperty("consistency").GetString() ?? "",
                root.GetProperty("read_ratio").GetDouble(),
                root.GetProperty("duration_s").GetDouble(),
                root.GetProperty("ops").GetInt64(),
                root.GetProperty("errors").GetInt64(),
                root.GetProperty("cas_failed").GetInt64(),
                new LatencySummary(
                    root.GetProperty("p50_ms").GetDouble(),
                    root.GetProperty("p90_ms").GetDouble(),
                    root.GetProperty("p99_ms").GetDouble(),
                    root.GetProperty("p999_ms").GetDouble(),
                    root.GetProperty("max_ms").GetDouble()),
                root.TryGetProperty("load_1m", out var load) ? load.GetDouble() : 0,
                root.GetProperty("command").GetString() ?? "",
                root.TryGetProperty("failure", out var failure) ? failure.GetString() : null,
                root.TryGetProperty("value_size", out var valueSize) ? valueSize.GetInt32() : BenchResult.DefaultValueSize,
                root.TryGetProperty("balance", out var balance) ? balance.GetString() ?? "" : BenchSettings.Name(BenchBalance.Client),
                root.TryGetProperty("probe_ms", out var probe) ? probe.GetDouble() : 0,
                root.TryGetProperty("first_error", out var firstError) ? firstError.GetString() : null);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new BenchUsageException($"not a bench result line: {e.Message}", e);
        }
    }
}
