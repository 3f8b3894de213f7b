using System.CommandLine;

namespace Paxos.Bench.Tests;

public class BenchOptionsTests
{
    private const string TwoEtcdNodes = "--target etcd --endpoints http://127.0.0.1:23790,http://127.0.0.1:23791";

    private static BenchSettings Bind(string commandLine)
    {
        var options = new BenchOptions();
        var command = new Command("bench");
        options.AddTo(command);
        return options.Bind(command.Parse(commandLine));
    }

    [Fact]
    public void Defaults_are_a_short_put_run_with_16_clients()
    {
        var settings = Bind(TwoEtcdNodes);

        Assert.Equal(Workload.Put, settings.Workload);
        Assert.Equal(BenchTarget.Etcd, settings.Target);
        Assert.Equal([new Uri("http://127.0.0.1:23790"), new Uri("http://127.0.0.1:23791")], settings.Endpoints);
        Assert.Equal(16, settings.Clients);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.Duration);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.Warmup);
        Assert.Equal(1000, settings.Keys);
        Assert.Equal(100, settings.ValueSize);
        Assert.Equal(ReadConsistency.Linearizable, settings.Consistency);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.RequestTimeout);
    }

    [Fact]
    public void Every_option_is_bound()
    {
        var settings = Bind(TwoEtcdNodes + " --workload mixed --clients 64 --duration 3.5 --warmup 0 --keys 10 --value-size 1 --consistency serializable --read-ratio 0.25 --timeout 2");

        Assert.Equal(Workload.Mixed, settings.Workload);
        Assert.Equal(64, settings.Clients);
        Assert.Equal(TimeSpan.FromSeconds(3.5), settings.Duration);
        Assert.Equal(TimeSpan.Zero, settings.Warmup);
        Assert.Equal(10, settings.Keys);
        Assert.Equal(1, settings.ValueSize);
        Assert.Equal(ReadConsistency.Serializable, settings.Consistency);
        Assert.Equal(0.25, settings.ReadRatio);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.RequestTimeout);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 7)]
    [InlineData(8, 8)]
    [InlineData(256, 8)]
    public void With_client_balance_channels_are_at_most_four_per_endpoint_and_never_more_than_the_clients(int clients, int channels)
    {
        Assert.Equal(channels, Bind(TwoEtcdNodes + $" --clients {clients} --balance client").ChannelCount);
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(3, 4)]
    [InlineData(8, 8)]
    [InlineData(256, 8)]
    public void With_request_balance_every_endpoint_has_as_many_channels_up_to_four(int clients, int channels)
    {
        var settings = Bind(TwoEtcdNodes + $" --clients {clients}");

        Assert.Equal(BenchBalance.Request, settings.Balance);
        Assert.Equal(channels, settings.ChannelCount);
    }

    [Theory]
    [InlineData(" --clients 0", "--clients")]
    [InlineData(" --duration 0", "--duration")]
    [InlineData(" --warmup -1", "--warmup")]
    [InlineData(" --keys 0", "--keys")]
    [InlineData(" --value-size 0", "--value-size")]
    [InlineData(" --value-size 1048577", "--value-size")]
    [InlineData(" --read-ratio 1.5", "--read-ratio")]
    [InlineData(" --timeout 0", "--timeout")]
    [InlineData(" --workload scan", "scan")]
    [InlineData(" --balance node", "node")]
    public void Values_out_of_range_are_refused_naming_the_option(string extra, string named)
    {
        var e = Assert.Throws<BenchUsageException>(() => Bind(TwoEtcdNodes + extra));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Etcd_needs_endpoints()
    {
        var e = Assert.Throws<BenchUsageException>(() => Bind("--target etcd"));
        Assert.Contains("--endpoints", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_endpoint_must_be_an_http_url()
    {
        var e = Assert.Throws<BenchUsageException>(() => Bind("--target etcd --endpoints 127.0.0.1:2379"));
        Assert.Contains("127.0.0.1:2379", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_command_line_repeats_the_run()
    {
        var settings = Bind(TwoEtcdNodes + " --workload get --clients 64 --consistency serializable");

        Assert.Equal(
            "paxos bench --workload get --target etcd --endpoints http://127.0.0.1:23790,http://127.0.0.1:23791 --clients 64 --duration 10 --warmup 2 --keys 1000 --value-size 100 --balance request --consistency serializable",
            settings.ToCommandLine());
        Assert.Equal(settings, Bind(settings.ToCommandLine()["paxos bench ".Length..]) with { Endpoints = settings.Endpoints });
    }
}
