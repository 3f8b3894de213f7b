using System.CommandLine;
using Grpc.Core;
using Paxos.Node.Configuration;
using Paxos.Transport.V1;

namespace Paxos.Cli.Commands;

/// <summary><c>paxos status</c>: a table of every node: reachable, role, ballot, leader, commit and applied index.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var endpoints = Endpoints.CreateOption();
        var command = new Command("status", "Show every node: reachable, role, ballot, commit index, applied index.") { endpoints };
        command.SetAction(async (parse, cancellationToken) =>
        {
            ClientConnection connection;
            try
            {
                connection = Endpoints.Resolve(parse.GetValue(endpoints));
            }
            catch (ConfigException e)
            {
                return CliError.Report(CliError.BadUsage, e.Message);
            }
            var rows = await Task.WhenAll(connection.Urls.Select(url => QueryAsync(connection, url, cancellationToken))).ConfigureAwait(false);
            Console.WriteLine($"{"NODE",-10} {"URL",-26} {"REACHABLE",-10} {"ROLE",-10} {"BALLOT",-10} {"LEADER",-10} {"COMMIT",8} {"APPLIED",8}");
            foreach (var row in rows)
            {
                Console.WriteLine(row);
            }
            return rows.Any(r => r.Contains(" yes ", StringComparison.Ordinal)) ? CliError.Ok : CliError.Report(CliError.Unavailable, "no node answered");
        });
        return command;
    }

    private static async Task<string> QueryAsync(ClientConnection connection, Uri url, CancellationToken cancellationToken)
    {
        string address = url.GetLeftPart(UriPartial.Authority);
        using var channel = connection.Channel(url);
        try
        {
            var s = await new PaxosService.PaxosServiceClient(channel).GetStatusAsync(new GetStatusRequest(),
                deadline: DateTime.UtcNow.AddSeconds(3), cancellationToken: cancellationToken).ConfigureAwait(false);
            string ballot = $"{s.Ballot?.Round ?? 0}.{s.Ballot?.NodeIndex ?? 0}";
            return $"{s.NodeId,-10} {address,-26} {"yes",-10} {s.Role,-10} {ballot,-10} {(s.LeaderId.Length == 0 ? "-" : s.LeaderId),-10} {s.CommitIndex,8} {s.AppliedIndex,8}";
        }
        catch (RpcException e)
        {
            return $"{"?",-10} {address,-26} {"no",-10} {"-",-10} {"-",-10} {"-",-10} {"-",8} {"-",8}  ({e.StatusCode})";
        }
    }
}
