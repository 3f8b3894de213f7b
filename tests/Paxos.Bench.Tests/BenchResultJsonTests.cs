namespace Paxos.Bench.Tests;

public class BenchResultJsonTests
{
    private static readonly BenchResult Sample = new(
        "put", "etcd", 64, "linearizable", 0, 10, 26_470, 3, 0,
        new LatencySummary(19.103, 44.767, 84.031, 135.935, 140.927), 1.5,
        "paxos bench --workload put --target etcd --endpoints http://127.0.0.1:23790 --clients 64", null, 1_048_000, "request");

    [Fact]
    public void A_result_is_one_line_with_every_field_in_a_fixed_order()
    {
        Assert.Equal(
            "{\"workload\":\"put\",\"target\":\"etcd\",\"clients\":64,\"consistency\":\"linearizable\",\"read_ratio\":0,\"duration_s\":10,"
            + "\"ops\":26470,\"ops_per_sec\":2647,\"errors\":3,\"cas_failed\":0,"
            + "\"p50_ms\":19.103,\"p90_ms\":44.767,\"p99_ms\":84.031,\"p999_ms\":135.935,\"max_ms\":140.927,\"load_1m\":1.5,"
            + "\"value_size\":1048000,\"balance\":\"request\",\"written_mib_per_sec\":2645.55,"
            + "\"command\":\"paxos bench --workload put --target etcd --endpoints http://127.0.0.1:23790 --clients 64\"}",
            BenchResultJson.Write(Sample));
    }

    [Fact]
    public void A_line_reads_back_as_the_same_result()
    {
        Assert.Equal(Sample, BenchResultJson.Parse(BenchResultJson.Write(Sample)));
    }

    [Fact]
    public void The_machine_probe_is_written_when_recorded_and_reads_back()
    {
        var probed = Sample with { ProbeMs = 12.34 };

        string line = BenchResultJson.Write(probed);

        Assert.Contains(",\"probe_ms\":12.34,\"command\":", line, StringComparison.Ordinal);
        Assert.Equal(probed, BenchResultJson.Parse(line));
        Assert.DoesNotContain("probe_ms", BenchResultJson.Write(Sample), StringComparison.Ordinal);
    }

    [Fact]
    public void The_first_error_is_written_when_there_was_one_and_reads_back()
    {
        var erred = Sample with { FirstError = "ResourceExhausted: 512 calls of this client are in progress" };

        string line = BenchResultJson.Write(erred);

        Assert.EndsWith(",\"first_error\":\"ResourceExhausted: 512 calls of this client are in progress\"}", line, StringComparison.Ordinal);
        Assert.Equal(erred, BenchResultJson.Parse(line));
        Assert.DoesNotContain("first_error", BenchResultJson.Write(Sample), StringComparison.Ordinal);
        Assert.Contains("first error      ResourceExhausted: 512 calls", BenchResultTable.Format(erred), StringComparison.Ordinal);
        Assert.DoesNotContain("first error", BenchResultTable.Format(Sample), StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_run_carries_its_reason()
    {
        var failed = Sample with { Ops = 0, Failure = "paxos endpoint http://127.0.0.1:7100/ did not answer: Unavailable" };

        string line = BenchResultJson.Write(failed);

        Assert.EndsWith(",\"failure\":\"paxos endpoint http://127.0.0.1:7100/ did not answer: Unavailable\"}", line, StringComparison.Ordinal);
        Assert.Equal(failed, BenchResultJson.Parse(line));
    }

    [Fact]
    public void A_line_from_before_value_sizes_and_balance_were_recorded_reads_as_100_bytes_kept_per_client()
    {
        string old = "{\"workload\":\"put\",\"target\":\"etcd\",\"clients\":1,\"consistency\":\"linearizable\",\"read_ratio\":0,\"duration_s\":10,"
            + "\"ops\":10,\"ops_per_sec\":1,\"errors\":0,\"cas_failed\":0,\"p50_ms\":1,\"p90_ms\":1,\"p99_ms\":1,\"p999_ms\":1,\"max_ms\":1,\"command\":\"x\"}";

        var result = BenchResultJson.Parse(old);

        Assert.Equal(100, result.ValueSize);
        Assert.Equal("client", result.Balance);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"workload\":\"put\"}")]
    [InlineData("[1,2]")]
    public void Anything_else_is_refused(string line)
    {
        Assert.Throws<BenchUsageException>(() => BenchResultJson.Parse(line));
    }

    [Fact]
    public void The_table_shows_throughput_and_percentiles()
    {
        string table = BenchResultTable.Format(Sample);

        Assert.Contains("throughput       2,647 ops/s", table, StringComparison.Ordinal);
        Assert.Contains("19.103     44.767     84.031     135.935    140.927", table, StringComparison.Ordinal);
    }
}
