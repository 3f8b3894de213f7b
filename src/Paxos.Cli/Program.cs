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
    ConsensusCommands.CreatePropose(),
    ConsensusCommands.CreateLearned(),
    Paxos.Bench.BenchCommand.Create(Endpoints.BenchCredentials),
    CertsCommand.Create(),
};
ClientFlags.AddTo(root);
// SIGTERM/SIGINT cancel the running command's token; it then has this long to stop its nodes cleanly.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(20) };
var parse = root.Parse(args);
Endpoints.Flags = ClientFlags.Read(parse);
return await parse.InvokeAsync(invocation).ConfigureAwait(false);
