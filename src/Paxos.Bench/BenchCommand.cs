using System.CommandLine;
using Grpc.Core;
using Paxos.Bench.Reporting;

namespace Paxos.Bench;

/// <summary>
/// <c>paxos bench</c>: a load generator against a running Paxos or etcd cluster that prints a table and
/// one JSON line of throughput and latency percentiles; <c>paxos bench report</c> turns collected JSON
/// lines into <c>docs/performance.md</c> and a chart; <c>paxos bench watch</c> measures watches.
/// </summary>
public static class BenchCommand
{
    /// <summary>Exit code: the run or the report succeeded.</summary>
    public const int Ok = 0;

    /// <summary>Exit code: the run was cancelled before it measured anything.</summary>
    public const int Failed = 1;

    /// <summary>Exit code: bad options or input.</summary>
    public const int BadUsage = 2;

    /// <summary>Exit code: the cluster could not be reached or served no request (CONTRACT.md section 3's code for that).</summary>
    public const int Unavailable = 3;

    /// <summary>The <c>bench</c> command, with its <c>report</c> subcommand.</summary>
    /// <param name="credentials">Reads TLS and token settings from the command line (options the caller defines); null: none.</param>
    public static Command Create(Func<ParseResult, BenchCredentials>? credentials = null)
    {
        var options = new BenchOptions();
        var command = new Command("bench", "Load a running cluster (Paxos or etcd) and print throughput and latency percentiles as a table and one JSON line.");
        options.AddTo(command);
        command.Subcommands.Add(ReportCommand.Create());
        command.Subcommands.Add(Watching.WatchBenchCommand.Create());
        command.SetAction(async (parse, cancellationToken) =>
        {
            BenchSettings settings;
            try
            {
                settings = options.Bind(parse, credentials);
            }
            catch (BenchUsageException e)
            {
                return Report(BadUsage, e.Message);
            }
            try
            {
                var result = await new BenchRunner(settings, Console.Error).RunAsync(cancellationToken).ConfigureAwait(false);
                Console.Write(BenchResultTable.Format(result));
                Console.WriteLine(BenchResultJson.Write(result));
                return Ok;
            }
            catch (BenchUnavailableException e)
            {
                Console.WriteLine(BenchResultJson.Write(BenchResult.Failed(settings, e.Message)));
                return Report(Unavailable, e.Message);
            }
            catch (Exception e) when (cancellationToken.IsCancellationRequested && e is OperationCanceledException or RpcException)
            {
                return Report(Failed, "cancelled before the run started");
            }
        });
        return command;
    }

    /// <summary>Writes the one-line reason of a failure to stderr and returns its exit code.</summary>
    internal static int Report(int code, string message)
    {
        Console.Error.WriteLine("error: " + message.ReplaceLineEndings(" "));
        return code;
    }
}
