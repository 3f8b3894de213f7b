namespace Paxos.Bench.Tests;

public sealed class BenchRunnerTests : IAsyncLifetime
{
    private FakeKeyValueServer server = null!;

    public async Task InitializeAsync() => server = await FakeKeyValueServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    private BenchSettings Settings(Workload workload, int clients = 8, int keys = 100, BenchBalance balance = BenchBalance.Request) => new(
        workload, BenchTarget.Paxos, [server.Url, server.Url], clients, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(0.2),
        keys, 32, ReadConsistency.Linearizable, 0.5, TimeSpan.FromSeconds(5), balance);

    [Theory]
    [InlineData(Workload.Put, BenchBalance.Request)]
    [InlineData(Workload.Get, BenchBalance.Request)]
    [InlineData(Workload.Mixed, BenchBalance.Request)]
    [InlineData(Workload.Put, BenchBalance.Client)]
    [InlineData(Workload.Put, BenchBalance.Leader)]
    [InlineData(Workload.Get, BenchBalance.Leader)]
    public async Task A_run_measures_requests_and_stops_by_itself(Workload workload, BenchBalance balance)
    {
        var result = await new BenchRunner(Settings(workload, balance: balance), TextWriter.Null).RunAsync(CancellationToken.None);

        Assert.Null(result.Failure);
        Assert.True(result.Ops > 0);
        Assert.Equal(0, result.Errors);
        Assert.Equal(1, result.DurationSeconds, tolerance: 0.05);
        Assert.InRange(result.Latency.P50, 0.001, result.Latency.Max);
        Assert.Empty(server.State.Violations);
    }

    [Fact]
    public async Task A_run_with_errors_counts_them_and_keeps_the_first_one_measured()
    {
        server.State.RefuseEveryOtherGet = true;

        var result = await new BenchRunner(Settings(Workload.Get), TextWriter.Null).RunAsync(CancellationToken.None);

        Assert.True(result.Ops > 0);
        Assert.True(result.Errors > 0);
        Assert.Contains("refused by the test", result.FirstError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_without_errors_has_no_first_error()
    {
        var result = await new BenchRunner(Settings(Workload.Get), TextWriter.Null).RunAsync(CancellationToken.None);

        Assert.Equal(0, result.Errors);
        Assert.Null(result.FirstError);
    }

    [Fact]
    public async Task Reads_find_the_preloaded_keys()
    {
        await new BenchRunner(Settings(Workload.Get, keys: 50), TextWriter.Null).RunAsync(CancellationToken.None);

        Assert.Equal(50, server.State.Values.Count);
        Assert.All(server.State.Values.Values, value => Assert.Equal(32, value.Length));
    }

    [Fact]
    public async Task Compare_and_swap_on_a_key_per_client_succeeds_after_its_first_try()
    {
        var result = await new BenchRunner(Settings(Workload.Cas, clients: 4, keys: 4), TextWriter.Null).RunAsync(CancellationToken.None);

        Assert.True(result.Ops > 0);
        Assert.Equal(0, result.CasFailed); // every key starts absent, and no other client touches it
        Assert.All(server.State.LastRequestIds.Keys, id => Assert.StartsWith("bench-", id, StringComparison.Ordinal));
        Assert.Empty(server.State.Violations);
    }

    [Fact]
    public async Task Transactions_on_a_key_per_client_hold_after_the_first_and_count_failed_compares_apart()
    {
        var result = await new BenchRunner(Settings(Workload.Txn, clients: 4, keys: 4), TextWriter.Null).RunAsync(CancellationToken.None);

        Assert.True(result.Ops > 0);
        Assert.Equal(0, result.Errors);
        Assert.Equal(0, result.CasFailed); // each client compares with the index of its own last write
        Assert.Equal(4, server.State.Indexes.Count);
        Assert.Empty(server.State.Violations);

        // Two clients on one key: each put moves the index the other last saw, so compares fail too.
        var shared = await new BenchRunner(Settings(Workload.Txn, clients: 2, keys: 1), TextWriter.Null).RunAsync(CancellationToken.None);
        Assert.InRange(shared.CasFailed, 1, shared.Ops - 1);
    }

    [Fact]
    public async Task Keep_alives_renew_only_the_leases_granted_before_the_run()
    {
        var result = await new BenchRunner(Settings(Workload.KeepAlive, keys: 20), TextWriter.Null).RunAsync(CancellationToken.None);

        Assert.True(result.Ops > 0);
        Assert.Equal(0, result.Errors);
        Assert.Equal(20, server.State.KeepAlives.Count);
        Assert.True(server.State.KeepAlives.Values.Sum() >= result.Ops, $"{server.State.KeepAlives.Values.Sum()} keep-alives seen, {result.Ops} counted");
    }

    [Fact]
    public async Task A_cluster_that_does_not_answer_fails_the_run_at_once_with_the_endpoint()
    {
        var settings = Settings(Workload.Put) with { Endpoints = [new Uri("http://127.0.0.1:1")] };

        var e = await Assert.ThrowsAsync<BenchUnavailableException>(() => new BenchRunner(settings, TextWriter.Null).RunAsync(CancellationToken.None));

        Assert.Contains("http://127.0.0.1:1/", e.Message, StringComparison.Ordinal);
    }
}
