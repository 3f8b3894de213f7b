using System.CommandLine;
using Paxos.Cli.Commands;

var root = new RootCommand("Paxos for .NET: consensus nodes, a local cluster, and client commands.")
{
    NodeCommand.Create(),
    ClusterCommand.Create(),
    KeyValueCommands.CreatePut(),
    KeyValueCommands.CreateGet(),
    KeyValueCommands.CreateDelete(),
    KeyValueCommands.CreateLeader(),
    ListTxnCommands.CreateList(),
    ListTxnCommands.CreateTxn(),
    WatchCommand.Create(),
    LeaseCommands.Create(),
    StatusCommand.Create(),
    MemberCommands.Create(),
    ConsensusCommands.CreatePropose(),
    ConsensusCommands.CreateLearned(),
    Paxos.Bench.BenchCommand.Create(Endpoints.BenchCredentials),
    CertsCommand.Create(),
};
ClientFlags.AddTo(root);
// SIGTERM/SIGINT cancel the running command's token; it then has this long to stop its nodes cleanly.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(20) };
var parse = root.Parse(args);
if (parse.Errors.Count > 0 && parse.Action is System.CommandLine.Invocation.ParseErrorAction)
{
    // Bad usage is exit code 2 with a one-line reason (CONTRACT.md section 3), not the parser's 1 and its help text.
    var path = new List<string>();
    for (var command = parse.CommandResult; command.Parent is System.CommandLine.Parsing.CommandResult parent; command = parent)
    {
        path.Insert(0, command.Command.Name);
    }
    return CliError.Report(CliError.BadUsage, $"{string.Join("; ", parse.Errors.Select(e => e.Message).Distinct())} (see 'paxos {string.Join(' ', [.. path, "--help"])}')");
}
Endpoints.Flags = ClientFlags.Read(parse);
return await parse.InvokeAsync(invocation).ConfigureAwait(false);
