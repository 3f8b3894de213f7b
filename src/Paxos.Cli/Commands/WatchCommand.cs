using System.CommandLine;
using Paxos.Client;

namespace Paxos.Cli.Commands;

/// <summary>
/// <c>paxos watch KEY [--prefix] [--from INDEX]</c>: prints each change as it comes, one line each,
/// until Ctrl+C. When its node fails or stops, <see cref="PaxosClient.WatchAsync"/> resumes on the
/// next endpoint from the index after the last one it printed, as the contract allows, so it prints
/// every change once, with no gap; once every endpoint in a row failed it, it exits 3.
/// </summary>
internal static class WatchCommand
{
    /// <summary>The deadline of the client's unary calls; the watch itself runs until Ctrl+C.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    public static Command Create()
    {
        var key = new Argument<string>("key") { Description = "The key; with --prefix, the prefix (\"\" for every key)." };
        var prefix = new Option<bool>("--prefix") { Description = "Watch every key that starts with KEY." };
        var from = new Option<ulong>("--from") { Description = "Start at this index, which the node must still keep (default: the next change)." };
        var endpoints = Endpoints.CreateOption();
        var command = new Command("watch",
            "Print each change as it comes, one line each: 'INDEX<TAB>PUT<TAB>KEY<TAB>VALUE' or 'INDEX<TAB>DELETE<TAB>KEY'; runs until Ctrl+C.")
        {
            key, prefix, from, endpoints,
        };
        command.SetAction((parse, cancellationToken) => ClientCalls.RunAsync(parse.GetValue(endpoints), Deadline, async (client, token) =>
        {
            try
            {
                await foreach (var change in client.WatchAsync(parse.GetRequiredValue(key), parse.GetValue(prefix), parse.GetValue(from),
                    start => Console.Error.WriteLine($"watching from index {start.NextIndex} on {start.Endpoint}"), token).ConfigureAwait(false))
                {
                    Console.WriteLine(change.Type == WatchEventType.Put
                        ? $"{change.Index}\tPUT\t{change.Key}\t{change.ValueAsString()}"
                        : $"{change.Index}\tDELETE\t{change.Key}");
                }
                return CliError.Ok;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return CliError.Ok;
            }
        }, cancellationToken));
        return command;
    }
}
