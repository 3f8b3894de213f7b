using System.CommandLine;
using Paxos.Client;

namespace Paxos.Cli.Commands;

/// <summary><c>paxos status</c>: a table of every node: reachable, role, ballot, leader, commit and applied index.</summary>
internal static class StatusCommand
{
    /// <summary>How long one node may take to answer.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(3);

    public static Command Create()
    {
        var endpoints = Endpoints.CreateOption();
        var command = new Command("status", "Show every node: reachable, role, ballot, commit index, applied index.") { endpoints };
        command.SetAction((parse, cancellationToken) => ClientCalls.RunAsync(parse.GetValue(endpoints), Deadline, async (client, token) =>
        {
            var rows = await Task.WhenAll(client.Endpoints.Select(url => QueryAsync(client, url, token))).ConfigureAwait(false);
            Console.WriteLine($"{"NODE",-10} {"URL",-26} {"REACHABLE",-10} {"ROLE",-10} {"BALLOT",-10} {"LEADER",-10} {"COMMIT",8} {"APPLIED",8}");
            foreach (var row in rows)
            {
                Console.WriteLine(row);
            }
            return rows.Any(r => r.Contains(" yes ", StringComparison.Ordinal)) ? CliError.Ok : CliError.Report(CliError.Unavailable, "no node answered");
        }, cancellationToken));
        return command;
    }

    private static async Task<string> QueryAsync(PaxosClient client, Uri url, CancellationToken cancellationToken)
    {
        string address = url.GetLeftPart(UriPartial.Authority);
        try
        {
            var s = await client.GetNodeStatusAsync(url, cancellationToken: cancellationToken).ConfigureAwait(false);
            string ballot = $"{s.BallotRound}.{s.BallotNode}";
            return $"{s.NodeId,-10} {address,-26} {"yes",-10} {s.Role,-10} {ballot,-10} {s.LeaderId ?? "-",-10} {s.CommitIndex,8} {s.AppliedIndex,8}";
        }
        catch (PaxosRpcException e)
        {
            return $"{"?",-10} {address,-26} {"no",-10} {"-",-10} {"-",-10} {"-",-10} {"-",8} {"-",8}  ({e.StatusCode})";
        }
    }
}
