using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Paxos.Bench.Watching;

/// <summary>
/// What <c>paxos bench watch</c> measured: puts acknowledged, changes delivered to all watchers
/// together, those not delivered within 5 s of the last put, and the delivery latency (from the
/// put's start to the watcher's receipt, in milliseconds).
/// </summary>
internal sealed record WatchBenchResult(WatchBenchSettings Settings, long Writes, long WriteErrors, double WriteSeconds, long Deliveries, double DeliverySeconds, long Missing,
    LatencySummary Latency, double LoadAverage)
{
    public double WritesPerSecond => WriteSeconds > 0 ? Math.Round(Writes / WriteSeconds, 1) : 0;

    public double DeliveriesPerSecond => DeliverySeconds > 0 ? Math.Round(Deliveries / DeliverySeconds, 1) : 0;

    public string Table() => string.Create(CultureInfo.InvariantCulture, $"""
        target       {BenchSettings.Name(Settings.Target)}
        watchers     {Settings.Watchers} (one prefix, over {Settings.Endpoints.Count} endpoint(s))
        writers      {Settings.Writers}, {Settings.ValueSize}-byte values
        puts         {Writes} in {WriteSeconds:F1} s ({WritesPerSecond:F1}/s), {WriteErrors} failed
        deliveries   {Deliveries} in {DeliverySeconds:F1} s ({DeliveriesPerSecond:F1}/s), {Missing} missing
        latency ms   p50 {Latency.P50}  p90 {Latency.P90}  p99 {Latency.P99}  p99.9 {Latency.P999}  max {Latency.Max}
        load (1m)    {LoadAverage}

        """);

    public string Json()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("workload", "watch");
            json.WriteString("target", BenchSettings.Name(Settings.Target));
            json.WriteNumber("watchers", Settings.Watchers);
            json.WriteNumber("clients", Settings.Writers);
            json.WriteNumber("value_size", Settings.ValueSize);
            json.WriteNumber("duration_s", Math.Round(WriteSeconds, 3));
            json.WriteNumber("ops", Writes);
            json.WriteNumber("ops_per_sec", WritesPerSecond);
            json.WriteNumber("errors", WriteErrors);
            json.WriteNumber("deliveries", Deliveries);
            json.WriteNumber("deliveries_per_sec", DeliveriesPerSecond);
            json.WriteNumber("missing", Missing);
            json.WriteNumber("p50_ms", Latency.P50);
            json.WriteNumber("p90_ms", Latency.P90);
            json.WriteNumber("p99_ms", Latency.P99);
            json.WriteNumber("p999_ms", Latency.P999);
            json.WriteNumber("max_ms", Latency.Max);
            json.WriteNumber("load_1m", LoadAverage);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
