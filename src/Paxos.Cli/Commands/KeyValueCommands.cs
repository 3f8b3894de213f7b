using System.CommandLine;
using Paxos.Client;

namespace Paxos.Cli.Commands;

/// <summary>Client commands of the key-value store: put, get, delete, leader (CONTRACT.md section 3).</summary>
internal static class KeyValueCommands
{
    /// <summary>Each call's deadline, retries at other nodes included.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    public static Command CreatePut()
    {
        var key = new Argument<string>("key") { Description = "The key (1 to 1024 UTF-8 bytes)." };
        var value = new Argument<string>("value") { Description = "The value (UTF-8, up to 1 MiB)." };
        var lease = new Option<ulong>("--lease") { Description = "Attach the key to this lease (from 'paxos lease grant'): it is deleted when the lease ends." };
        var endpoints = Endpoints.CreateOption();
        var command = new Command("put", "Write a value; prints the index it was written at.") { key, value, lease, endpoints };
        command.SetAction((parse, cancellationToken) => ClientCalls.RunAsync(parse.GetValue(endpoints), Deadline, async (client, token) =>
        {
            var reply = await client.PutAsync(parse.GetRequiredValue(key), System.Text.Encoding.UTF8.GetBytes(parse.GetRequiredValue(value)), parse.GetValue(lease),
                cancellationToken: token).ConfigureAwait(false);
            Console.WriteLine($"OK index={reply.Index}");
            return CliError.Ok;
        }, cancellationToken));
        return command;
    }

    public static Command CreateGet()
    {
        var key = new Argument<string>("key") { Description = "The key." };
        var serializable = new Option<bool>("--serializable") { Description = "Read this node's replica (may be stale) instead of a linearizable read." };
        var endpoints = Endpoints.CreateOption();
        var command = new Command("get", "Read a value (linearizable by default); exit code 1 if the key does not exist.") { key, serializable, endpoints };
        command.SetAction((parse, cancellationToken) => ClientCalls.RunAsync(parse.GetValue(endpoints), Deadline, async (client, token) =>
        {
            var reply = await client.GetAsync(parse.GetRequiredValue(key), parse.GetValue(serializable) ? ReadConsistency.Serializable : ReadConsistency.Linearizable,
                cancellationToken: token).ConfigureAwait(false);
            if (!reply.Found)
            {
                return CliError.Report(CliError.Failed, $"key '{parse.GetRequiredValue(key)}' not found");
            }
            Console.WriteLine(reply.ValueAsString());
            return CliError.Ok;
        }, cancellationToken));
        return command;
    }

    public static Command CreateDelete()
    {
        var key = new Argument<string>("key") { Description = "The key." };
        var endpoints = Endpoints.CreateOption();
        var command = new Command("delete", "Delete a key; prints whether it existed.") { key, endpoints };
        command.SetAction((parse, cancellationToken) => ClientCalls.RunAsync(parse.GetValue(endpoints), Deadline, async (client, token) =>
        {
            var reply = await client.DeleteAsync(parse.GetRequiredValue(key), cancellationToken: token).ConfigureAwait(false);
            Console.WriteLine($"OK existed={(reply.Existed ? "true" : "false")} index={reply.Index}");
            return CliError.Ok;
        }, cancellationToken));
        return command;
    }

    public static Command CreateLeader()
    {
        var endpoints = Endpoints.CreateOption();
        var command = new Command("leader", "Print the leader's id and URL; 'leader transfer ID' hands leadership to a voter.") { endpoints, MemberCommands.CreateTransfer() };
        command.SetAction((parse, cancellationToken) => ClientCalls.RunAsync(parse.GetValue(endpoints), Deadline, async (client, token) =>
        {
            var reply = await client.GetLeaderAsync(cancellationToken: token).ConfigureAwait(false);
            if (!reply.Known)
            {
                return CliError.Report(CliError.Unavailable, "no leader is known right now (an election may be under way, or no majority is up)");
            }
            Console.WriteLine($"{reply.Id} {reply.Url?.GetLeftPart(UriPartial.Authority)}");
            return CliError.Ok;
        }, cancellationToken));
        return command;
    }
}
