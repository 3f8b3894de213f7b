using System.CommandLine;
using Paxos.Cli.Commands;
using Paxos.Node.Configuration;
using Paxos.Node.Hosting;
using Paxos.TestNode;

// `paxos-test-node node ...` is `paxos node ...` with the faults PAXOS_FAILPOINTS names planted.
TestHooks failpoints;
try
{
    failpoints = Failpoints.Parse(Environment.GetEnvironmentVariable(Failpoints.EnvironmentVariable));
}
catch (ConfigException e)
{
    return CliError.Report(CliError.BadUsage, e.Message);
}
var root = new RootCommand("The node of the paxos program, with faults planted for tests.")
{
    NodeCommand.Create(options => options with { TestHooks = failpoints }),
};
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(20) };
return await root.Parse(args).InvokeAsync(invocation).ConfigureAwait(false);
