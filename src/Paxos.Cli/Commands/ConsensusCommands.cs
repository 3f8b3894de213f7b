using System.CommandLine;
using System.Text;
using Google.Protobuf;
using Paxos.Transport.V1;

namespace Paxos.Cli.Commands;

/// <summary>Client commands of single-decree Paxos: <c>paxos propose INSTANCE VALUE</c> and <c>paxos learned INSTANCE</c>.</summary>
internal static class ConsensusCommands
{
    public static Command CreatePropose()
    {
        var instance = new Argument<string>("instance") { Description = "The instance id (each instance chooses one value)." };
        var value = new Argument<string>("value") { Description = "The value to propose (UTF-8)." };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for a quorum.", DefaultValueFactory = _ => 10 };
        var endpoints = Endpoints.CreateOption();
        var command = new Command("propose", "Propose a value for a single-decree instance; prints the chosen value.") { instance, value, timeout, endpoints };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(endpoints), async (client, token) =>
        {
            var reply = await client.ProposeAsync(new ProposeRequest
            {
                InstanceId = parse.GetRequiredValue(instance),
                Value = ByteString.CopyFromUtf8(parse.GetRequiredValue(value)),
                TimeoutMs = (uint)Math.Clamp(parse.GetValue(timeout), 1, 300) * 1000,
            }, deadline: DateTime.UtcNow.AddSeconds(parse.GetValue(timeout) + 5), cancellationToken: token).ConfigureAwait(false);
            Console.WriteLine(Encoding.UTF8.GetString(reply.ChosenValue.Span));
            return CliError.Ok;
        }, cancellationToken));
        return command;
    }

    public static Command CreateLearned()
    {
        var instance = new Argument<string>("instance") { Description = "The instance id." };
        var endpoints = Endpoints.CreateOption();
        var command = new Command("learned", "Print the value chosen for a single-decree instance (exit code 1 if none yet).") { instance, endpoints };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(endpoints), async (client, token) =>
        {
            var reply = await client.GetLearnedAsync(
                new GetLearnedRequest { InstanceId = parse.GetRequiredValue(instance), LearnFromPeers = true },
                deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: token).ConfigureAwait(false);
            if (!reply.Learned)
            {
                return CliError.Report(CliError.Failed, "no value is known to be chosen for this instance yet");
            }
            Console.WriteLine(Encoding.UTF8.GetString(reply.Value.Span));
            return CliError.Ok;
        }, cancellationToken));
        return command;
    }

    private static Task<int> RunAsync(string? endpoints, Func<ConsensusService.ConsensusServiceClient, CancellationToken, Task<int>> call, CancellationToken cancellationToken) =>
        Endpoints.CallFirstAvailableAsync(endpoints, channel => new ConsensusService.ConsensusServiceClient(channel), call, cancellationToken);
}
