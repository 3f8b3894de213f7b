using System.CommandLine;
using Paxos.Transport.V1;

namespace Paxos.Cli.Commands;

/// <summary>
/// <c>paxos member list|add|promote|remove</c> and <c>paxos leader transfer</c> (CONTRACT.md
/// section 4): calls of the MembershipService, served by any node (it passes changes on to the leader).
/// </summary>
internal static class MemberCommands
{
    /// <summary>A change waits until it is chosen; removing the leader first hands leadership over.</summary>
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
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(endpoints), async (client, token) =>
        {
            var reply = await client.TransferLeadershipAsync(new TransferLeadershipRequest { Id = parse.GetRequiredValue(id) },
                deadline: DateTime.UtcNow + Deadline, cancellationToken: token).ConfigureAwait(false);
            Console.WriteLine($"OK leader={reply.LeaderId}");
            return CliError.Ok;
        }, cancellationToken));
        return command;
    }

    private static Argument<string> MemberId(string description) => new("id") { Description = description };

    private static Command CreateList()
    {
        var endpoints = Endpoints.CreateOption();
        var command = new Command("list", "Print one line per member: 'ID URL voter' or 'ID URL learner' (linearizable).") { endpoints };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(endpoints), async (client, token) =>
        {
            var reply = await client.ListMembersAsync(new ListMembersRequest(), deadline: DateTime.UtcNow + Deadline, cancellationToken: token).ConfigureAwait(false);
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
            var request = new AddMemberRequest { Id = parse.GetRequiredValue(id), Url = address.GetLeftPart(UriPartial.Authority) };
            return ChangeAsync(parse.GetValue(endpoints), (client, token) => client.AddMemberAsync(request, deadline: DateTime.UtcNow + Deadline, cancellationToken: token), cancellationToken);
        });
        return command;
    }

    private static Command CreatePromote()
    {
        var id = MemberId("The learner to make a voter.");
        var endpoints = Endpoints.CreateOption();
        var command = new Command("promote", "Make a caught-up learner a voter (refused, exit code 4, while it has not caught up: retry later).") { id, endpoints };
        command.SetAction((parse, cancellationToken) => ChangeAsync(parse.GetValue(endpoints), (client, token) =>
            client.PromoteMemberAsync(new PromoteMemberRequest { Id = parse.GetRequiredValue(id) }, deadline: DateTime.UtcNow + Deadline, cancellationToken: token), cancellationToken));
        return command;
    }

    private static Command CreateRemove()
    {
        var id = MemberId("The voter or learner to remove.");
        var endpoints = Endpoints.CreateOption();
        var command = new Command("remove", "Remove a voter or a learner (the leader hands leadership over first); the removed node stops by itself.") { id, endpoints };
        command.SetAction((parse, cancellationToken) => ChangeAsync(parse.GetValue(endpoints), (client, token) =>
            client.RemoveMemberAsync(new RemoveMemberRequest { Id = parse.GetRequiredValue(id) }, deadline: DateTime.UtcNow + Deadline, cancellationToken: token), cancellationToken));
        return command;
    }

    /// <summary>Sends a change; prints whether it changed anything, at which slot, and the membership after it.</summary>
    private static Task<int> ChangeAsync(string? endpoints, Func<MembershipService.MembershipServiceClient, CancellationToken, Grpc.Core.AsyncUnaryCall<MembershipChangeResponse>> send,
        CancellationToken cancellationToken) =>
        RunAsync(endpoints, async (client, token) =>
        {
            var reply = await send(client, token).ConfigureAwait(false);
            Console.WriteLine($"OK changed={(reply.Changed ? "true" : "false")} slot={reply.Slot}");
            foreach (var member in reply.Members)
            {
                Console.WriteLine("  " + Describe(member));
            }
            return CliError.Ok;
        }, cancellationToken);

    private static string Describe(Member member) => $"{member.Id} {member.Url} {(member.Voter ? "voter" : "learner")}";

    private static Task<int> RunAsync(string? endpoints, Func<MembershipService.MembershipServiceClient, CancellationToken, Task<int>> call, CancellationToken cancellationToken) =>
        Endpoints.CallFirstAvailableAsync(endpoints, channel => new MembershipService.MembershipServiceClient(channel), call, cancellationToken);
}
