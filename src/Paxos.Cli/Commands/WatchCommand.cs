using System.CommandLine;
using System.Text;
using Grpc.Core;
using Paxos.Node.Configuration;
using Paxos.Transport.V1;

namespace Paxos.Cli.Commands;

/// <summary>
/// <c>paxos watch KEY [--prefix] [--from INDEX]</c>: prints each change as it comes, one line each,
/// until Ctrl+C. When its node fails or stops, it resumes on the next endpoint from the index after
/// the last one it printed, as the contract allows, so it prints every change once, with no gap.
/// </summary>
internal static class WatchCommand
{
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
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(endpoints),
            new WatchRequest { Key = parse.GetRequiredValue(key), Prefix = parse.GetValue(prefix), StartIndex = parse.GetValue(from) },
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string? endpoints, WatchRequest request, CancellationToken cancellationToken)
    {
        ClientConnection connection;
        try
        {
            connection = Endpoints.Resolve(endpoints);
        }
        catch (ConfigException e)
        {
            return CliError.Report(CliError.BadUsage, e.Message);
        }
        IReadOnlyList<Uri> urls = connection.Urls;
        int node = 0;
        int failedInARow = 0;
        string lastFailure = "";
        while (failedInARow < urls.Count)
        {
            using var channel = connection.Channel(urls[node]);
            try
            {
                using var call = new WatchService.WatchServiceClient(channel).Watch(request, cancellationToken: cancellationToken);
                await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    failedInARow = 0;
                    if (response.Created)
                    {
                        request.StartIndex = response.NextIndex;
                        await Console.Error.WriteLineAsync($"watching from index {response.NextIndex} on {urls[node]}").ConfigureAwait(false);
                    }
                    foreach (var change in response.Events)
                    {
                        Console.WriteLine(change.Type == WatchEvent.Types.Type.Put
                            ? $"{change.Index}\tPUT\t{change.Key}\t{Encoding.UTF8.GetString(change.Value.Span)}"
                            : $"{change.Index}\tDELETE\t{change.Key}");
                        request.StartIndex = change.Index + 1;
                    }
                }
                return CliError.Report(CliError.Failed, $"{urls[node]} ended the watch without a status");
            }
            catch (Exception e) when (cancellationToken.IsCancellationRequested && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
                return CliError.Ok;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                lastFailure = $"{urls[node]}: {e.Status.Detail}";
                failedInARow++;
                node = (node + 1) % urls.Count;
                if (failedInARow < urls.Count)
                {
                    await Console.Error.WriteLineAsync($"lost {lastFailure}; resuming from index {request.StartIndex} on {urls[node]}").ConfigureAwait(false);
                }
            }
            catch (RpcException e)
            {
                return CliError.Report(e.StatusCode == StatusCode.DeadlineExceeded ? CliError.Unavailable : CliError.Failed, $"{e.StatusCode}: {e.Status.Detail}");
            }
        }
        return CliError.Report(CliError.Unavailable, $"no node answered; last: {lastFailure}");
    }
}
