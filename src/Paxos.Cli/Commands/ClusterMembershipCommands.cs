using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Paxos.Client;
using Paxos.Node.Configuration;
using Paxos.Node.Security;

namespace Paxos.Cli.Commands;

/// <summary>
/// <c>paxos cluster add</c> and <c>paxos cluster remove ID</c>: grow and shrink the local cluster
/// that a running <c>paxos cluster</c> supervises. They change its files (<see cref="LocalNodes"/>),
/// which the supervisor follows (starting a node added, stopping one removed), and make the
/// membership changes of CONTRACT.md section 4 through the nodes.
/// </summary>
internal static class ClusterMembershipCommands
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    /// <summary>How long a new node may take to start listening once added, and then to catch up before its promotion.</summary>
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CatchUpLimit = TimeSpan.FromMinutes(5);

    public static Command CreateAdd()
    {
        var dataDir = DataDirOption();
        var command = new Command("add", "Start one more node (the next id and port) joining the running local cluster, add it as a learner, and promote it to a voter once it has caught up.")
        {
            dataDir,
        };
        command.SetAction((parse, cancellationToken) => AddAsync(parse.GetRequiredValue(dataDir).FullName, cancellationToken));
        return command;
    }

    public static Command CreateRemove()
    {
        var id = new Argument<string>("id") { Description = "The node to remove, e.g. node-0." };
        var dataDir = DataDirOption();
        var command = new Command("remove", "Remove a node from the local cluster's membership; it stops by itself ('paxos cluster' stops it otherwise) and is never started again.")
        {
            id, dataDir,
        };
        command.SetAction((parse, cancellationToken) => RemoveAsync(parse.GetRequiredValue(dataDir).FullName, parse.GetRequiredValue(id), cancellationToken));
        return command;
    }

    private static Option<DirectoryInfo> DataDirOption() => new("--data-dir")
    {
        Description = "The local cluster's data directory, as given to 'paxos cluster'.",
        DefaultValueFactory = _ => new DirectoryInfo("data"),
    };

    private static async Task<int> AddAsync(string dataDir, CancellationToken cancellationToken)
    {
        LocalNodes nodes;
        NodeEntry node;
        try
        {
            nodes = LocalNodes.Load(dataDir);
            if (!nodes.SupervisorRuns())
            {
                return CliError.Report(CliError.BadUsage, $"no 'paxos cluster' runs the cluster in {dataDir}; start it first");
            }
            node = nodes.Next();
        }
        catch (ConfigException e)
        {
            return CliError.Report(CliError.BadUsage, e.Message);
        }
        if (!PortIsFree(node.Port))
        {
            return CliError.Report(CliError.Failed, $"port {node.Port} for {node.Id} is in use");
        }
        var connection = ClientConnection.Create([.. nodes.Current.Select(n => n.Url)], Endpoints.Flags, nodes.Founding);
        if (nodes.Founding.Tls is { } tls)
        {
            DevelopmentCertificates.Write(new ClusterConfig([node]), Path.GetDirectoryName(tls.CertFor(node.Id))!);
        }
        nodes.WriteJoinFile(node);
        Console.WriteLine($"Starting {node.Id} at {node.Url.GetLeftPart(UriPartial.Authority)} (joining; log {Path.Combine(dataDir, "logs", node.Id + ".log")})");
        int added = await ClientCalls.RunAsync(connection, Deadline, async (client, token) =>
        {
            var reply = await client.AddMemberAsync(node.Id, node.Url, cancellationToken: token).ConfigureAwait(false);
            Console.WriteLine($"Added {node.Id} as a learner (slot {reply.Slot}); waiting for it to catch up...");
            return CliError.Ok;
        }, cancellationToken).ConfigureAwait(false);
        if (added != CliError.Ok)
        {
            if (added == CliError.Refused)
            {
                nodes.MarkRemoved(node.Id); // nothing changed: 'paxos cluster' stops the node again
            }
            return added;
        }
        // A joining node listens once it is a member.
        if (!await ClusterCommand.WaitUntilListeningAsync(new ClusterConfig([node]), StartLimit, cancellationToken).ConfigureAwait(false))
        {
            return CliError.Report(CliError.Failed, $"{node.Id} is a learner but not listening on port {node.Port} after {StartLimit.TotalSeconds:0} s; see its log ('paxos cluster remove {node.Id}' takes it out again)");
        }
        return await PromoteAsync(connection, node, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Promotes <paramref name="node"/>, retrying while the leader refuses because it has not caught up (or another change is under way).</summary>
    private static async Task<int> PromoteAsync(ClientConnection connection, NodeEntry node, CancellationToken cancellationToken)
    {
        var until = DateTime.UtcNow + CatchUpLimit;
        string? refusal = null;
        while (true)
        {
            bool refused = false;
            int code = await ClientCalls.RunAsync(connection, Deadline, async (client, token) =>
            {
                try
                {
                    var reply = await client.PromoteMemberAsync(node.Id, cancellationToken: token).ConfigureAwait(false);
                    Console.WriteLine($"Promoted {node.Id} to a voter (slot {reply.Slot}):");
                    Console.WriteLine($"{node.Id} {node.Url.GetLeftPart(UriPartial.Authority)} voter");
                    return CliError.Ok;
                }
                catch (PaxosRefusedException e) when (DateTime.UtcNow < until)
                {
                    refused = true;
                    string reason = (e.InnerException as Grpc.Core.RpcException)?.Status.Detail ?? e.Message;
                    if (reason != refusal)
                    {
                        Console.WriteLine($"  not yet: {reason}");
                        refusal = reason;
                    }
                    return CliError.Refused;
                }
            }, cancellationToken).ConfigureAwait(false);
            if (!refused)
            {
                return code;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<int> RemoveAsync(string dataDir, string id, CancellationToken cancellationToken)
    {
        LocalNodes nodes;
        try
        {
            nodes = LocalNodes.Load(dataDir);
        }
        catch (ConfigException e)
        {
            return CliError.Report(CliError.BadUsage, e.Message);
        }
        if (!nodes.All.Any(node => node.Id == id))
        {
            return CliError.Report(CliError.BadUsage, $"the local cluster in {dataDir} has no node '{id}' (it has: {string.Join(", ", nodes.All.Select(n => n.Id))})");
        }
        var connection = ClientConnection.Create([.. nodes.Current.Select(n => n.Url)], Endpoints.Flags, nodes.Founding);
        int code = await ClientCalls.RunAsync(connection, Deadline, async (client, token) =>
        {
            var reply = await client.RemoveMemberAsync(id, cancellationToken: token).ConfigureAwait(false);
            Console.WriteLine($"Removed {id} (slot {reply.Slot}{(reply.Changed ? "" : ", it was not a member")}); it stops by itself, or 'paxos cluster' stops it.");
            return CliError.Ok;
        }, cancellationToken).ConfigureAwait(false);
        if (code == CliError.Ok && !nodes.Removed.Contains(id))
        {
            nodes.MarkRemoved(id);
        }
        return code;
    }

    private static bool PortIsFree(int port)
    {
        var listener = new TcpListener(IPAddress.Any, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            listener.Stop();
        }
    }
}
