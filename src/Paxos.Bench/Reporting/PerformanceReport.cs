using System.Globalization;
using System.Text;

namespace Paxos.Bench.Reporting;

/// <summary>
/// Renders <c>docs/performance.md</c>: the machine, a chart, a table per workload comparing etcd and
/// Paxos at each client count, the runs that failed, and the commands that produced the numbers.
/// When a run was repeated (<c>ROUNDS</c> of <c>bench/compare.sh</c>), the repeat with the median
/// throughput counts, so one disturbed run on a shared machine does not decide a ratio.
/// </summary>
public static class PerformanceReport
{
    private static readonly string[] Targets = ["etcd", "paxos"];

    /// <summary>The Markdown report of <paramref name="results"/>, read from <paramref name="source"/>, whose chart is <paramref name="chartFile"/> (relative to the report).</summary>
    public static string Render(IReadOnlyList<BenchResult> results, MachineInfo machine, string source, string chartFile, DateTimeOffset generated)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(machine);
        var latest = Representative(results);
        int rounds = Rounds(results);
        bool probed = latest.Any(r => r.ProbeMs > 0);
        var text = new StringBuilder();
        text.AppendLine("# Performance: Paxos and etcd")
            .AppendLine()
            .AppendLine(Invariant($"Generated {generated:yyyy-MM-dd HH:mm} UTC by `paxos bench report` from `{source}`, which `bench/compare.sh` collected."))
            .AppendLine("Both clusters have 5 nodes on this one machine, on loopback, and write to disk with fsync; the same client (`paxos bench`) loads both.")
            .AppendLine("Ratio is Paxos throughput divided by etcd's; p99 is the 99th percentile latency in milliseconds.")
            .AppendLine(rounds > 1
                ? Invariant($"Every run was repeated up to {rounds} times, the two clusters taking turns; each row shows the repeat with the median throughput.")
                : "Each row is a single run.")
            .AppendLine()
            .AppendLine("## Machine")
            .AppendLine()
            .AppendLine(Invariant($"- CPU cores (`nproc`): {machine.Cores}"))
            .AppendLine(Invariant($"- Memory: {machine.Memory}"))
            .AppendLine(Invariant($"- Kernel: {machine.Kernel}"))
            .AppendLine(Invariant($"- etcd (`etcd --version`): {machine.EtcdVersion}"))
            .AppendLine(Invariant($"- .NET SDK (`dotnet --version`): {machine.DotnetVersion}"))
            .AppendLine(LoadLine(latest))
            .AppendLine(probed ? ProbeLine : "- Machine speed during the runs: not recorded")
            .AppendLine()
            .AppendLine("## Results")
            .AppendLine()
            .AppendLine(Invariant($"![Throughput and p99 latency against client count]({chartFile})"))
            .AppendLine();
        foreach (string target in Targets.Where(t => !latest.Any(r => r.Target == t && r.Failure is null)))
        {
            text.AppendLine(Invariant($"No {target} run measured anything in this file, so its columns are empty.")).AppendLine();
        }

        foreach (var workload in latest.Where(r => r.Failure is null).GroupBy(r => r.Label))
        {
            // Large values are compared in bytes written per second as well.
            bool bytes = workload.Any(r => r.ValueSize >= LargeValueBytes && r.ReadRatio < 1);
            text.AppendLine(Invariant($"### {workload.Key}"))
                .AppendLine()
                .Append(bytes
                    ? "| clients | etcd ops/s | paxos ops/s | etcd MiB/s | paxos MiB/s | ratio | etcd p99 ms | paxos p99 ms |"
                    : "| clients | etcd ops/s | paxos ops/s | ratio | etcd p99 ms | paxos p99 ms |")
                .AppendLine(probed ? " etcd probe ms | paxos probe ms |" : "")
                .Append(bytes ? "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |" : "| ---: | ---: | ---: | ---: | ---: | ---: |")
                .AppendLine(probed ? " ---: | ---: |" : "");
            foreach (int clients in workload.Select(r => r.Clients).Distinct().Order())
            {
                var etcd = workload.FirstOrDefault(r => r.Clients == clients && r.Target == "etcd");
                var paxos = workload.FirstOrDefault(r => r.Clients == clients && r.Target == "paxos");
                string ratio = etcd is { OpsPerSecond: > 0 } && paxos is not null ? Invariant($"{paxos.OpsPerSecond / etcd.OpsPerSecond:0.00}") : "-";
                text.Append(bytes
                    ? Invariant($"| {clients} | {Rate(etcd)} | {Rate(paxos)} | {MiB(etcd)} | {MiB(paxos)} | {ratio} | {P99(etcd)} | {P99(paxos)} |")
                    : Invariant($"| {clients} | {Rate(etcd)} | {Rate(paxos)} | {ratio} | {P99(etcd)} | {P99(paxos)} |"))
                    .AppendLine(probed ? Invariant($" {Probe(etcd)} | {Probe(paxos)} |") : "");
            }
            long errors = workload.Sum(r => r.Errors);
            if (errors > 0)
            {
                text.AppendLine().AppendLine(Invariant($"{errors} requests of these runs failed (deadline or unavailable); they are not in the throughput."));
            }
            text.AppendLine();
        }

        var failed = latest.Where(r => r.Failure is not null).ToList();
        if (failed.Count > 0)
        {
            text.AppendLine("## Runs that measured nothing").AppendLine();
            foreach (var run in failed)
            {
                text.AppendLine(Invariant($"- {run.Target} {run.Label}, {Clients(run.Clients)}: {run.Failure}"));
            }
            text.AppendLine();
        }

        text.AppendLine("## Commands").AppendLine()
            .AppendLine("The whole comparison: `bench/compare.sh` (it starts both clusters, runs the following and writes this report).")
            .AppendLine()
            .AppendLine("```");
        foreach (string command in latest.Select(r => r.Command).Distinct())
        {
            text.AppendLine(command);
        }
        text.AppendLine("```");
        return text.ToString();
    }

    /// <summary>
    /// One result per (target, workload, clients), in the order they first ran: of the repeats that
    /// measured something, the one with the median throughput (the lower of the two middle ones for an
    /// even count); if none did, the last failure.
    /// </summary>
    internal static IReadOnlyList<BenchResult> Representative(IEnumerable<BenchResult> results) =>
        [.. Repeats(results).Select(repeats =>
        {
            var measured = repeats.Where(r => r.Failure is null).OrderBy(r => r.OpsPerSecond).ToList();
            return measured.Count > 0 ? measured[(measured.Count - 1) / 2] : repeats[^1];
        })];

    /// <summary>The most repeats any (target, workload, clients) has.</summary>
    private static int Rounds(IEnumerable<BenchResult> results) => Repeats(results).Select(r => r.Count).DefaultIfEmpty(0).Max();

    private static List<List<BenchResult>> Repeats(IEnumerable<BenchResult> results)
    {
        var byRun = new Dictionary<(string, string, int), List<BenchResult>>();
        var order = new List<List<BenchResult>>();
        foreach (var result in results)
        {
            var key = (result.Target, result.Label, result.Clients);
            if (!byRun.TryGetValue(key, out var repeats))
            {
                repeats = [];
                byRun[key] = repeats;
                order.Add(repeats);
            }
            repeats.Add(result);
        }
        return order;
    }

    private static string LoadLine(IReadOnlyList<BenchResult> results)
    {
        var loads = results.Where(r => r.Failure is null && r.LoadAverage > 0).Select(r => r.LoadAverage).ToList();
        return loads.Count == 0
            ? "- Load average during the runs: not recorded"
            : Invariant($"- 1-minute load average at the end of each run: {loads.Min():0.##} to {loads.Max():0.##} (the machine is shared: above the core count, other work competed with the clusters and the client)");
    }

    private const string ProbeLine =
        "- Machine speed during each run (probe ms): the median CPU milliseconds a fixed loop took, sampled by the client every half "
        + "second in the measured window; lower is faster. On a shared virtual machine it changes from second to second, and every "
        + "figure moves with it. It also rises with what the cluster under test does to the client's core, so two probes that differ "
        + "say the two runs differed, not which system was favoured.";

    private static string Probe(BenchResult? result) => result is not { ProbeMs: > 0 } ? "-" : result.ProbeMs.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Clients(int count) => count == 1 ? "1 client" : Invariant($"{count} clients");

    private static string Rate(BenchResult? result) => result is null ? "-" : result.OpsPerSecond.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>Values of at least this many bytes get MiB/s columns.</summary>
    private const int LargeValueBytes = 64 * 1024;

    private static string MiB(BenchResult? result) => result is null ? "-" : result.WrittenMiBPerSecond.ToString("0.00", CultureInfo.InvariantCulture);

    private static string P99(BenchResult? result) => result is null ? "-" : result.Latency.P99.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    /// <summary>The line after which a report's hand-written sections start; regenerating keeps them.</summary>
    public const string HandWrittenMarker = "<!-- Hand-written sections follow: 'paxos bench report' keeps everything below this line. -->";

    /// <summary>
    /// The freshly generated report, followed by the hand-written part of <paramref name="previous"/>
    /// (from <see cref="HandWrittenMarker"/> on), if it has one.
    /// </summary>
    public static string KeepHandWritten(string generated, string? previous)
    {
        int marker = previous?.IndexOf(HandWrittenMarker, StringComparison.Ordinal) ?? -1;
        return marker < 0 ? generated : generated.TrimEnd() + "\n\n" + previous![marker..];
    }
}
