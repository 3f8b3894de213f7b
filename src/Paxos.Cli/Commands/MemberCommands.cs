using System.CommandLine;
using Paxos.Client;

namespace Paxos.Cli.Commands;

/// <summary>
/// <c>paxos member list|add|promote|remove</c> and <c>paxos leader transfer</c> (CONTRACT.md
/// section 4): <see cref="PaxosClient"/>'s membership calls, served by any node (it passes changes on to the leader).
/// </summary>
internal static class MemberCommands
{
    /// <summary>A change waits until it is chosen (removing the leader first hands leadership over); retries at other nodes included.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    public static Command Create() => new("member", "List the cluster's members and add, promote or remove one, one change at a time.")
    {
        CreateList(),
        CreateAdd(),
        CreatePromote(),
        CreateRemove(),
    };

    /// <summary><c>paxos leader transfer ID</c>, a subcommand of <c>paxos leader</c>.</summary>
    public static Command CreateTransfer()
    {
        var id = MemberId("The voter to hand leadership to.");
        var endpoints = Endpoints.CreateOption();
        var command = new Command("transfer", "Hand leadership to a voter without waiting for an election timeout; prints the new leader.") { id, endpoints };
        command.SetAction((parse, cancellationToken) => ClientCalls.RunAsync(parse.GetValue(endpoints), Deadline, async (client, token) =>
        {
            string leader = await client.TransferLeadershipAsync(parse.GetRequiredValue(id), cancellationToken: token).ConfigureAwait(false);
            Console.WriteLine($"OK leader={leader}");
            return CliError.Ok;
        }, cancellationToken));
        return command;
    }

    private static Argument<string> MemberId(string description) => new("id") { Description = description };

    private static Command CreateList()
    {
        var endpoints = Endpoints.CreateOption();
        var command = new Command("list", "Print one line per member: 'ID URL voter' or 'ID URL learner' (linearizable).") { endpoints };
        command.SetAction((parse, cancellationToken) => ClientCalls.RunAsync(parse.GetValue(endpoints), Deadline, async (client, token) =>
        {
            var reply = await client.ListMembersAsync(cancellationToken: token).ConfigureAwait(false);
            foreach (var member in reply.Members)
            {
                Console.WriteLine(Describe(member));
            }
            return CliError.Ok;
        }, cancellationToken));
        return command;
    }

    private static Command CreateAdd()
    {
        var id = MemberId("The new node's id (a removed node's id cannot come back).");
        var url = new Argument<string>("url") { Description = "How peers and clients reach it: http://HOST:PORT or https://HOST:PORT." };
        var endpoints = Endpoints.CreateOption();
        var command = new Command("add", "Add a learner: it receives the log and never counts in a quorum until promoted. Start it with 'paxos node --join' before or after.")
        {
            id, url, endpoints,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            string text = parse.GetRequiredValue(url);
            if (!Uri.TryCreate(text, UriKind.Absolute, out var address) || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
            {
                return Task.FromResult(CliError.Report(CliError.BadUsage, $"url '{text}' is not an http:// or https:// URL"));
            }
            string member = parse.GetRequiredValue(id);
            return ChangeAsync(parse.GetValue(endpoints), (client, token) => client.AddMemberAsync(member, address, cancellationToken: token), cancellationToken);
        });
        return command;
    }

    private static Command CreatePromote()
    {
        var id = MemberId("The learner to make a voter.");
        var endpoints = Endpoints.CreateOption();
        var command = new Command("promote", "Make a caught-up learner a voter (refused, exit code 4, while it has not caught up: retry later).") { id, endpoints };
        command.SetAction((parse, cancellationToken) => ChangeAsync(parse.GetValue(endpoints), (client, token) =>
            client.PromoteMemberAsync(parse.GetRequiredValue(id), cancellationToken: token), cancellationToken));
        return command;
    }

    private static Command CreateRemove()
    {
        var id = MemberId("The voter or learner to remove.");
        var endpoints = Endpoints.CreateOption();
        var command = new Command("remove", "Remove a voter or a learner (the leader hands leadership over first); the removed node stops by itself.") { id, endpoints };
        command.SetAction((parse, cancellationToken) => ChangeAsync(parse.GetValue(endpoints), (client, token) =>
            client.RemoveMemberAsync(parse.GetRequiredValue(id), cancellationToken: token), cancellationToken));
        return command;
    }

    /// <summary>Sends a change; prints whether it changed anything, at which slot, and the membership after it.</summary>
    private static Task<int> ChangeAsync(string? endpoints, Func<PaxosClient, CancellationToken, Task<MembershipChangeResult>> send, CancellationToken cancellationToken) =>
        ClientCalls.RunAsync(endpoints, Deadline, async (client, token) =>
        {
            var reply = await send(client, token).ConfigureAwait(false);
            Console.WriteLine($"OK changed={(reply.Changed ? "true" : "false")} slot={reply.Slot}");
            foreach (var member in reply.Members)
            {
                Console.WriteLine("  " + Describe(member));
            }
            return CliError.Ok;
        }, cancellationToken);

    private static string Describe(MemberInfo member) => $"{member.Id} {member.Url.GetLeftPart(UriPartial.Authority)} {(member.IsVoter ? "voter" : "learner")}";
}
