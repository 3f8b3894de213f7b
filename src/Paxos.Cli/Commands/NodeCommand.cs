using System.CommandLine;
using System.Diagnostics;
using Paxos.Node.Configuration;
using Paxos.Node.Hosting;
using Paxos.Storage;

namespace Paxos.Cli.Commands;

/// <summary><c>paxos node --config FILE --id ID --data-dir DIR [--join]</c>: runs one node until SIGTERM/SIGINT, or until it learns it was removed from the cluster (exit code 0 both).</summary>
internal static class NodeCommand
{
    /// <param name="plantFaults">Used only by the test-only host (tests/Paxos.TestNode): adds its planted faults to the options.</param>
    public static Command Create(Func<NodeOptions, NodeOptions>? plantFaults = null)
    {
        var config = new Option<FileInfo>("--config") { Description = "The cluster file (YAML).", Required = true };
        var id = new Option<string>("--id") { Description = "This node's id in the cluster file.", Required = true };
        var dataDir = new Option<DirectoryInfo>("--data-dir") { Description = "Where this node keeps its durable state.", Required = true };
        var snapshotInterval = new Option<ulong>("--snapshot-interval") { Description = "Snapshot the state machine and compact the log every this many slots.", DefaultValueFactory = _ => 10_000 };
        var followWrites = new Option<bool>("--leader-follows-writes")
        {
            Description = "Hand the leadership to a node that nearly all writes come in through (at least 90% of at least 200 writes in 2 s), so they skip the forwarding hops.",
            DefaultValueFactory = _ => true,
        };
        var preVote = new Option<bool>("--pre-vote")
        {
            Description = "Before an election, ask the other nodes whether they lost the leader too, and stand only if a majority did, so a node that alone lost touch (restarted, cut off) never deposes a healthy leader.",
            DefaultValueFactory = _ => true,
        };
        var thrifty = new Option<bool>("--thrifty")
        {
            Description = "As leader, send each new slot at once only to as many responsive followers as a majority needs, and to the others with the next heartbeat (every 50 ms), many slots at a time.",
            DefaultValueFactory = _ => true,
        };
        var join = new Option<bool>("--join")
        {
            Description = "Join an existing cluster instead of founding one: with an empty data directory, wait until a member named in the cluster file lists this node (paxos member add ID URL), then catch up. Ignored once the data directory has state.",
        };
        var metricsPort = new Option<int?>("--metrics-port") { Description = "Serve Prometheus metrics at http://HOST:PORT/metrics (HTTP/1.1) on this port, besides the node's own." };
        var watchParent = new Option<int?>("--watch-parent") { Description = "Stop when the process with this id exits (used by 'paxos cluster').", Hidden = true };
        var command = new Command("node", "Run one Paxos node in the foreground until SIGTERM or SIGINT.") { config, id, dataDir, join, snapshotInterval, followWrites, preVote, thrifty, metricsPort, watchParent };
        command.SetAction(async (parse, cancellationToken) =>
        {
            NodeOptions options;
            try
            {
                var cluster = ClusterFile.Load(parse.GetRequiredValue(config).FullName);
                options = new NodeOptions(cluster, parse.GetRequiredValue(id), parse.GetRequiredValue(dataDir).FullName)
                {
                    SnapshotInterval = parse.GetValue(snapshotInterval),
                    LeaderFollowsWrites = parse.GetValue(followWrites),
                    PreVote = parse.GetValue(preVote),
                    Thrifty = parse.GetValue(thrifty),
                    MetricsPort = parse.GetValue(metricsPort),
                    Join = parse.GetValue(join),
                };
                options = plantFaults?.Invoke(options) ?? options;
                options.Validate();
            }
            catch (ConfigException e)
            {
                return CliError.Report(CliError.BadUsage, e.Message);
            }
            // A node that joins waits in StartAsync until it is added: SIGTERM, or the watched parent's exit, ends that wait too.
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var parentExited = parse.GetValue(watchParent) is { } parentPid ? WaitForExitAsync(parentPid, stopping.Token) : null;
            _ = parentExited?.ContinueWith(_ => stopping.Cancel(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            PaxosNodeHost host;
            try
            {
                host = await PaxosNodeHost.StartAsync(options, stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return CliError.Ok; // stopped while waiting to be added
            }
            catch (ConfigException e)
            {
                return CliError.Report(CliError.BadUsage, e.Message); // the tls or auth files cannot be used
            }
            catch (StorageCorruptionException e)
            {
                return CliError.Report(CliError.Failed, e.Message);
            }
            catch (IOException e)
            {
                return CliError.Report(CliError.Failed, $"node {options.NodeId} cannot start: {e.Message}");
            }
            await using (host.ConfigureAwait(false))
            {
                if (parentExited is not null)
                {
                    await Task.WhenAny(host.WaitForShutdownAsync(cancellationToken), parentExited).ConfigureAwait(false);
                }
                else
                {
                    await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
                }
                if (host.RefusedBecause is { } refusal)
                {
                    return CliError.Report(CliError.Failed, refusal);
                }
            }
            return CliError.Ok;
        });
        return command;
    }

    private static async Task WaitForExitAsync(int pid, CancellationToken cancellationToken)
    {
        try
        {
            using var parent = Process.GetProcessById(pid);
            await parent.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            // already gone
        }
    }
}
