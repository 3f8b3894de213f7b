using System.CommandLine;
using System.Text;
using Google.Protobuf;
using Paxos.Transport.V1;

namespace Paxos.Cli.Commands;

/// <summary>Client commands of the key-value store: put, get, delete, leader (CONTRACT.md section 3).</summary>
internal static class KeyValueCommands
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    public static Command CreatePut()
    {
        var key = new Argument<string>("key") { Description = "The key (1 to 1024 UTF-8 bytes)." };
        var value = new Argument<string>("value") { Description = "The value (UTF-8, up to 1 MiB)." };
        var lease = new Option<ulong>("--lease") { Description = "Attach the key to this lease (from 'paxos lease grant'): it is deleted when the lease ends." };
        var endpoints = Endpoints.CreateOption();
        var command = new Command("put", "Write a value; prints the index it was written at.") { key, value, lease, endpoints };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(endpoints), async (client, token) =>
        {
            var reply = await client.PutAsync(new PutRequest
            {
                Key = parse.GetRequiredValue(key),
                Value = ByteString.CopyFromUtf8(parse.GetRequiredValue(value)),
                ClientId = ClientId,
                RequestId = 1,
                LeaseId = parse.GetValue(lease),
            }, deadline: DateTime.UtcNow + Deadline, cancellationToken: token).ConfigureAwait(false);
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
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(endpoints), async (client, token) =>
        {
            var reply = await client.GetAsync(new GetRequest
            {
                Key = parse.GetRequiredValue(key),
                Consistency = parse.GetValue(serializable) ? ReadConsistency.Serializable : ReadConsistency.Linearizable,
            }, deadline: DateTime.UtcNow + Deadline, cancellationToken: token).ConfigureAwait(false);
            if (!reply.Found)
            {
                return CliError.Report(CliError.Failed, $"key '{parse.GetRequiredValue(key)}' not found");
            }
            Console.WriteLine(Encoding.UTF8.GetString(reply.Value.Span));
            return CliError.Ok;
        }, cancellationToken));
        return command;
    }

    public static Command CreateDelete()
    {
        var key = new Argument<string>("key") { Description = "The key." };
        var endpoints = Endpoints.CreateOption();
        var command = new Command("delete", "Delete a key; prints whether it existed.") { key, endpoints };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(endpoints), async (client, token) =>
        {
            var reply = await client.DeleteAsync(new DeleteRequest { Key = parse.GetRequiredValue(key), ClientId = ClientId, RequestId = 1 },
                deadline: DateTime.UtcNow + Deadline, cancellationToken: token).ConfigureAwait(false);
            Console.WriteLine($"OK existed={(reply.Existed ? "true" : "false")} index={reply.Index}");
            return CliError.Ok;
        }, cancellationToken));
        return command;
    }

    public static Command CreateLeader()
    {
        var endpoints = Endpoints.CreateOption();
        var command = new Command("leader", "Print the leader's id and URL; 'leader transfer ID' hands leadership to a voter.") { endpoints, MemberCommands.CreateTransfer() };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(endpoints), async (client, token) =>
        {
            var reply = await client.GetLeaderAsync(new GetLeaderRequest(), deadline: DateTime.UtcNow + Deadline, cancellationToken: token).ConfigureAwait(false);
            if (!reply.Known)
            {
                return CliError.Report(CliError.Unavailable, "no leader is known right now (an election may be under way, or no majority is up)");
            }
            Console.WriteLine($"{reply.LeaderId} {reply.LeaderUrl}");
            return CliError.Ok;
        }, cancellationToken));
        return command;
    }

    /// <summary>A fresh client id per invocation: each CLI call is its own client, retried writes inside it apply once.</summary>
    private static readonly string ClientId = "cli-" + Guid.NewGuid().ToString("N");

    private static Task<int> RunAsync(string? endpoints, Func<KeyValueService.KeyValueServiceClient, CancellationToken, Task<int>> call, CancellationToken cancellationToken) =>
        Endpoints.CallFirstAvailableAsync(endpoints, channel => new KeyValueService.KeyValueServiceClient(channel), call, cancellationToken);
}
