using System.CommandLine;
using Grpc.Core;

namespace Paxos.Bench.Watching;

/// <summary>
/// <c>paxos bench watch</c>: watch event throughput and delivery latency with many watchers of one
/// prefix (1,000 by default) while clients write under it, against Paxos or etcd; prints a table
/// and one JSON line.
/// </summary>
internal static class WatchBenchCommand
{
    public static Command Create()
    {
        var target = new Option<string>("--target") { Description = "The kind of cluster: paxos or etcd.", DefaultValueFactory = _ => "paxos" };
        target.AcceptOnlyFromAmong([.. Enum.GetValues<BenchTarget>().Select(BenchSettings.Name)]);
        var endpoints = new Option<string?>("--endpoints") { Description = $"Comma-separated client URLs (default for paxos: the nodes of ./{EndpointList.DefaultClusterFile}; required for etcd)." };
        var watchers = new Option<int>("--watchers") { Description = "Watchers of the prefix, spread over the endpoints.", DefaultValueFactory = _ => 1000 };
        var writers = new Option<int>("--writers") { Description = "Clients writing under the prefix, one put in flight each.", DefaultValueFactory = _ => 4 };
        var duration = new Option<double>("--duration") { Description = "Seconds of writing.", DefaultValueFactory = _ => 10 };
        var valueSize = new Option<int>("--value-size") { Description = "Bytes per written value (at least 8).", DefaultValueFactory = _ => 100 };
        var command = new Command("watch", "Watch event throughput and delivery latency: many watchers of one prefix while clients write under it.")
        {
            target, endpoints, watchers, writers, duration, valueSize,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            WatchBenchSettings settings;
            try
            {
                var kind = Enum.Parse<BenchTarget>(parse.GetRequiredValue(target), ignoreCase: true);
                string? urls = parse.GetValue(endpoints);
                double seconds = parse.GetValue(duration);
                settings = new WatchBenchSettings(kind,
                    !string.IsNullOrWhiteSpace(urls) ? EndpointList.Parse(urls)
                        : kind is BenchTarget.Paxos ? EndpointList.FromClusterFile(EndpointList.DefaultClusterFile)
                        : throw new BenchUsageException("--endpoints is required with --target etcd"),
                    parse.GetValue(watchers), parse.GetValue(writers),
                    double.IsFinite(seconds) && seconds is > 0 and <= 86_400 ? TimeSpan.FromSeconds(seconds) : throw new BenchUsageException($"--duration must be a number of seconds (got {seconds})"),
                    parse.GetValue(valueSize));
                settings.Validate();
            }
            catch (BenchUsageException e)
            {
                return BenchCommand.Report(BenchCommand.BadUsage, e.Message);
            }
            try
            {
                var result = await new WatchBenchRunner(settings, Console.Error).RunAsync(cancellationToken).ConfigureAwait(false);
                Console.Write(result.Table());
                Console.WriteLine(result.Json());
                return BenchCommand.Ok;
            }
            catch (BenchUnavailableException e)
            {
                return BenchCommand.Report(BenchCommand.Unavailable, e.Message);
            }
            catch (Exception e) when (cancellationToken.IsCancellationRequested && e is OperationCanceledException or RpcException)
            {
                return BenchCommand.Report(BenchCommand.Failed, "cancelled");
            }
        });
        return command;
    }
}
