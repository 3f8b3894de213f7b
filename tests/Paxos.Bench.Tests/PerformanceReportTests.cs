using Paxos.Bench.Reporting;

namespace Paxos.Bench.Tests;

public sealed class PerformanceReportTests : IDisposable
{
    private static readonly string[] SampleJsonl =
    [
        Line("put", "etcd", 1, "linearizable", 415.2, 13.59),
        Line("put", "etcd", 64, "linearizable", 3100, 70),
        Line("put", "etcd", 64, "linearizable", 2000, 99),
        Line("put", "etcd", 64, "linearizable", 2647, 84.03), // three repeats: the median counts
        Line("put", "paxos", 64, "linearizable", 1323.5, 42.5),
        Line("get", "etcd", 64, "serializable", 7648, 26.88),
        "",
        "{\"workload\":\"put\",\"target\":\"paxos\",\"clients\":1,\"consistency\":\"linearizable\",\"read_ratio\":0,\"duration_s\":0,\"ops\":0,\"ops_per_sec\":0,\"errors\":0,\"cas_failed\":0,"
            + "\"p50_ms\":0,\"p90_ms\":0,\"p99_ms\":0,\"p999_ms\":0,\"max_ms\":0,\"load_1m\":0,\"command\":\"paxos bench --workload put --target paxos --clients 1\",\"failure\":\"paxos endpoint http://127.0.0.1:7100/ did not answer: Unimplemented\"}",
    ];

    private static readonly MachineInfo Machine = new(2, "23.5 GiB", "6.1.0", "etcd Version: 3.4.23", "10.0.401");

    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("paxos-bench-tests-");

    public void Dispose() => directory.Delete(recursive: true);

    private static string Line(string workload, string target, int clients, string consistency, double opsPerSecond, double p99, int valueSize = 100, string balance = "client",
        double probeMs = 0) =>
        BenchResultJson.Write(new BenchResult(workload, target, clients, consistency, workload == "get" ? 1 : 0, 10, (long)(opsPerSecond * 10), 0, 0,
            new LatencySummary(p99 / 4, p99 / 2, p99, p99 * 2, p99 * 3), clients / 10.0, $"paxos bench --workload {workload} --target {target} --clients {clients}", null,
            valueSize, balance, probeMs));

    private IReadOnlyList<BenchResult> ReadSample()
    {
        var file = new FileInfo(Path.Combine(directory.FullName, "results.jsonl"));
        File.WriteAllLines(file.FullName, SampleJsonl);
        return ReportCommand.Read(file);
    }

    /// <summary>The report of a results file holding <paramref name="lines"/>, with "\n" line ends.</summary>
    private string RenderLines(params string[] lines)
    {
        var file = new FileInfo(Path.Combine(directory.FullName, "lines.jsonl"));
        File.WriteAllLines(file.FullName, lines);
        return PerformanceReport.Render(ReportCommand.Read(file), Machine, "lines.jsonl", "x.png", DateTimeOffset.UnixEpoch).ReplaceLineEndings("\n");
    }

    private string Render() => PerformanceReport.Render(ReadSample(), Machine, "bench/results/sample.jsonl", "performance.png", new DateTimeOffset(2026, 11, 26, 15, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Each_workload_gets_a_table_comparing_the_targets_by_client_count()
    {
        string report = Render();

        Assert.Contains(
            "### put, client balance\n\n| clients | etcd ops/s | paxos ops/s | ratio | etcd p99 ms | paxos p99 ms |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n"
            + "| 1 | 415 | - | - | 13.59 | - |\n| 64 | 2,647 | 1,324 | 0.50 | 84.03 | 42.50 |\n",
            report.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("### get (serializable), client balance\n\n", report.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("repeated up to 3 times, the two clusters taking turns; each row shows the repeat with the median throughput", report, StringComparison.Ordinal);
        Assert.Contains("| 64 | 7,648 | - | - | 26.88 | - |", report, StringComparison.Ordinal);
    }

    [Fact]
    public void Large_values_are_compared_in_mebibytes_per_second_and_each_balance_has_its_table()
    {
        string report = RenderLines(
            Line("put", "etcd", 16, "linearizable", 24, 900, valueSize: 1_048_000, balance: "request"),
            Line("put", "paxos", 16, "linearizable", 48, 450, valueSize: 1_048_000, balance: "request"),
            Line("put", "paxos", 1, "linearizable", 1000, 2, balance: "request"));

        Assert.Contains(
            "### put, 1,048,000-byte values, request balance\n\n| clients | etcd ops/s | paxos ops/s | etcd MiB/s | paxos MiB/s | ratio | etcd p99 ms | paxos p99 ms |\n"
            + "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n| 16 | 24 | 48 | 23.99 | 47.97 | 2.00 | 900.00 | 450.00 |\n",
            report, StringComparison.Ordinal);
        Assert.Contains("### put, request balance\n\n| clients | etcd ops/s | paxos ops/s | ratio |", report, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_row_shows_the_machine_speed_its_two_runs_were_taken_at_once_recorded()
    {
        string report = RenderLines(
            Line("put", "etcd", 64, "linearizable", 4000, 30, balance: "request", probeMs: 20.5),
            Line("put", "paxos", 64, "linearizable", 8000, 15, balance: "request", probeMs: 35.25));

        Assert.Contains(
            "| clients | etcd ops/s | paxos ops/s | ratio | etcd p99 ms | paxos p99 ms | etcd probe ms | paxos probe ms |\n"
            + "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n| 64 | 4,000 | 8,000 | 2.00 | 30.00 | 15.00 | 20.5 | 35.3 |\n",
            report, StringComparison.Ordinal);
        Assert.Contains("- Machine speed during each run (probe ms):", report, StringComparison.Ordinal);
        Assert.Contains("- Machine speed during the runs: not recorded", Render(), StringComparison.Ordinal);
        Assert.DoesNotContain("probe ms |", Render(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_machine_the_failures_and_the_commands_are_listed()
    {
        string report = Render();

        Assert.Contains("- CPU cores (`nproc`): 2", report, StringComparison.Ordinal);
        Assert.Contains("- etcd (`etcd --version`): etcd Version: 3.4.23", report, StringComparison.Ordinal);
        Assert.Contains("- .NET SDK (`dotnet --version`): 10.0.401", report, StringComparison.Ordinal);
        Assert.Contains("- 1-minute load average at the end of each run: 0.1 to 6.4 (", report, StringComparison.Ordinal);
        Assert.Contains("- paxos put, client balance, 1 client: paxos endpoint http://127.0.0.1:7100/ did not answer: Unimplemented", report, StringComparison.Ordinal);
        Assert.Contains("paxos bench --workload get --target etcd --clients 64\n", report.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("![Throughput and p99 latency against client count](performance.png)", report, StringComparison.Ordinal);
    }

    [Fact]
    public void A_target_without_results_is_called_out()
    {
        var etcdOnly = ReadSample().Where(r => r.Target == "etcd").ToList();

        string report = PerformanceReport.Render(etcdOnly, Machine, "x.jsonl", "x.png", DateTimeOffset.UnixEpoch);

        Assert.Contains("No paxos run measured anything in this file", report, StringComparison.Ordinal);
    }

    [Fact]
    public void The_chart_is_a_png()
    {
        string path = Path.Combine(directory.FullName, "performance.png");

        ThroughputChart.Save(ReadSample(), path);

        byte[] header = File.ReadAllBytes(path)[..8];
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, header);
    }

    [Fact]
    public void A_file_without_results_is_refused()
    {
        var file = new FileInfo(Path.Combine(directory.FullName, "empty.jsonl"));
        File.WriteAllText(file.FullName, "\n");

        Assert.Throws<BenchUsageException>(() => ReportCommand.Read(file));
    }

    [Fact]
    public void Regenerating_keeps_the_hand_written_sections()
    {
        string previous = "# old generated\n| stale | table |\n\n" + PerformanceReport.HandWrittenMarker + "\n\n## Analysis\nkept\n";
        string merged = PerformanceReport.KeepHandWritten("# new generated\n", previous);
        Assert.StartsWith("# new generated", merged, StringComparison.Ordinal);
        Assert.DoesNotContain("stale", merged, StringComparison.Ordinal);
        Assert.EndsWith(PerformanceReport.HandWrittenMarker + "\n\n## Analysis\nkept\n", merged, StringComparison.Ordinal);
        Assert.Equal("# only generated\n", PerformanceReport.KeepHandWritten("# only generated\n", "# no marker here\n"));
        Assert.Equal("# first\n", PerformanceReport.KeepHandWritten("# first\n", null));
    }
}
