using System.CommandLine;
using System.Net.Sockets;
using Paxos.Node.Configuration;
using Paxos.Node.Security;

namespace Paxos.Cli.Commands;

/// <summary>
/// <c>paxos cluster</c>: the local cluster. Writes (or reuses) the cluster file, starts one
/// <c>paxos node</c> process per node, prints where they are, reports nodes that exit (restarting
/// none), and on Ctrl+C stops them all. Children also stop on their own if this process dies.
/// </summary>
internal static class ClusterCommand
{
    public static Command Create()
    {
        var nodes = new Option<int>("--nodes") { Description = "How many nodes (odd, 1 to 9).", DefaultValueFactory = _ => 5 };
        var basePort = new Option<int>("--base-port") { Description = "Port of the first node; the others follow.", DefaultValueFactory = _ => 7000 };
        var dataDir = new Option<DirectoryInfo>("--data-dir") { Description = "Where the cluster file, each node's data and logs go.", DefaultValueFactory = _ => new DirectoryInfo("data") };
        var metricsBasePort = new Option<int?>("--metrics-base-port") { Description = "Serve each node's Prometheus metrics at /metrics on this port plus the node's number (off by default)." };
        var tls = new Option<bool>("--tls")
        {
            Description = "Mutual TLS and client tokens: a development CA, certificates and a token under DATA-DIR/certs, https:// urls; client commands run from here find them in DATA-DIR/cluster.yaml.",
        };
        var command = new Command("cluster", "Run a local cluster of nodes on this machine until Ctrl+C.") { nodes, basePort, dataDir, metricsBasePort, tls };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(nodes), parse.GetValue(basePort), parse.GetRequiredValue(dataDir), parse.GetValue(metricsBasePort),
            parse.GetValue(tls), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(int count, int basePort, DirectoryInfo dataDir, int? metricsBasePort, bool tls, CancellationToken cancellationToken)
    {
        if (count is < 1 or > 9 || count % 2 == 0)
        {
            return CliError.Report(CliError.BadUsage, $"--nodes must be odd and between 1 and 9 (got {count})");
        }
        if (basePort is < 1 or > 65535 - 9)
        {
            return CliError.Report(CliError.BadUsage, $"--base-port {basePort} is out of range");
        }
        if (metricsBasePort is int metrics && (metrics is < 1 or > 65535 - 9 || (metrics < basePort + count && basePort < metrics + count)))
        {
            return CliError.Report(CliError.BadUsage, $"--metrics-base-port {metrics} is out of range or overlaps the nodes' ports");
        }
        Directory.CreateDirectory(dataDir.FullName);
        string clusterPath = Path.Combine(dataDir.FullName, "cluster.yaml");
        ClusterConfig cluster;
        try
        {
            cluster = LoadOrWrite(clusterPath, count, basePort, tls);
        }
        catch (ConfigException e)
        {
            return CliError.Report(CliError.BadUsage, e.Message);
        }
        string logs = Path.Combine(dataDir.FullName, "logs");
        Directory.CreateDirectory(logs);

        var children = new List<NodeProcess>();
        try
        {
            for (int i = 0; i < cluster.Size; i++)
            {
                var node = cluster.Nodes[i];
                string nodeData = Path.Combine(dataDir.FullName, node.Id);
                string[] metricsArguments = metricsBasePort is int first ? ["--metrics-port", (first + i).ToString(System.Globalization.CultureInfo.InvariantCulture)] : [];
                children.Add(NodeProcess.Start(node.Id,
                    ["--config", clusterPath, "--id", node.Id, "--data-dir", nodeData, "--watch-parent", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), .. metricsArguments],
                    Path.Combine(logs, node.Id + ".log")));
            }
            Console.WriteLine($"Started {cluster.Size} nodes (cluster file: {clusterPath}):");
            foreach (var (node, child) in cluster.Nodes.Zip(children))
            {
                Console.WriteLine($"  {node.Id,-8} {node.Url.GetLeftPart(UriPartial.Authority),-24} pid {child.Pid,-8} log {Path.Combine(logs, node.Id + ".log")}");
            }
            if (metricsBasePort is int firstMetrics)
            {
                string scheme = cluster.Tls is null ? "http" : "https";
                Console.WriteLine($"Metrics (Prometheus): {scheme}://127.0.0.1:{firstMetrics}/metrics to {scheme}://127.0.0.1:{firstMetrics + cluster.Size - 1}/metrics");
            }
            bool up = await WaitUntilListeningAsync(cluster, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            Console.WriteLine(up ? "All nodes are listening." : "Not every node is listening yet; see the logs.");
            string? leader = up ? await WaitForLeaderAsync(cluster, TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(false) : null;
            Console.WriteLine(leader is null ? "No leader elected yet; 'paxos leader' tells when there is one." : $"Leader: {leader}");
            Console.WriteLine();
            if (cluster.Tls is { } certificates)
            {
                Console.WriteLine($"Mutual TLS: CA {certificates.Ca}, client pair {certificates.CertFor(DevelopmentCertificates.ClientName)} and .key; token in {cluster.Auth?.Tokens}.");
            }
            Console.WriteLine("Try, in another terminal (from this directory; 'paxos' is 'dotnet run --project src/Paxos.Cli --'):");
            Console.WriteLine("  paxos put greeting hello        # write through any node");
            Console.WriteLine("  paxos get greeting              # linearizable read");
            Console.WriteLine("  paxos status                    # every node's role, ballot, commit and applied index");
            Console.WriteLine($"  kill {children[0].Pid,-26} # stop a node; the others carry on while 3 of 5 are up");
            Console.WriteLine("  paxos propose color blue        # a single-decree instance chooses one value");
            Console.WriteLine("Press Ctrl+C to stop the cluster.");

            var exits = children.Select(child => ReportExitAsync(child, cancellationToken)).ToList();
            try
            {
                await Task.WhenAll(exits).ConfigureAwait(false);
                Console.WriteLine("Every node has exited.");
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine("Stopping the cluster...");
            }
        }
        finally
        {
            await Task.WhenAll(children.Select(child => child.StopAsync(TimeSpan.FromSeconds(10)))).ConfigureAwait(false);
            foreach (var child in children)
            {
                child.Dispose();
            }
        }
        return CliError.Ok;
    }

    private static ClusterConfig LoadOrWrite(string path, int count, int basePort, bool tls)
    {
        if (File.Exists(path))
        {
            var existing = ClusterFile.Load(path);
            Console.WriteLine($"Carrying on with the existing cluster in {Path.GetDirectoryName(path)} ({existing.Size} nodes, {(existing.Tls is null ? "no TLS" : "TLS")}); --nodes, --base-port and --tls apply only to a new data directory.");
            return existing;
        }
        string scheme = tls ? "https" : "http";
        var nodes = Enumerable.Range(0, count)
            .Select(i => new NodeEntry($"node-{i}", new Uri($"{scheme}://127.0.0.1:{basePort + i}"), basePort + i))
            .ToList();
        var cluster = new ClusterConfig(nodes);
        if (tls)
        {
            // The file names them relative to its folder, so the data directory can move.
            string folder = Path.GetDirectoryName(path)!;
            DevelopmentCertificates.Write(cluster, Path.Combine(folder, CertificatesFolder));
            ClientTokens.WriteNew(Path.Combine(folder, CertificatesFolder, "tokens.txt"), DevelopmentCertificates.ClientName);
            cluster = new ClusterConfig(nodes)
            {
                Tls = new TlsSettings($"{CertificatesFolder}/ca.crt", $"{CertificatesFolder}/{TlsSettings.IdPlaceholder}.crt", $"{CertificatesFolder}/{TlsSettings.IdPlaceholder}.key"),
                Auth = new AuthSettings($"{CertificatesFolder}/tokens.txt"),
            };
        }
        File.WriteAllText(path, ClusterFile.Render(cluster));
        return ClusterFile.Load(path);
    }

    private const string CertificatesFolder = "certs";

    private static async Task ReportExitAsync(NodeProcess child, CancellationToken cancellationToken)
    {
        await child.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        Console.WriteLine($"{child.NodeId} (pid {child.Pid}) exited with code {child.ExitCode}; not restarting it. The others carry on while a majority is up.");
    }

    private static async Task<string?> WaitForLeaderAsync(ClusterConfig cluster, TimeSpan limit, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + limit;
        using var channel = ClientConnection.Create([cluster.Nodes[0].Url], ClientFlags.None, cluster).Channel(cluster.Nodes[0].Url);
        var client = new Paxos.Transport.V1.KeyValueService.KeyValueServiceClient(channel);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var reply = await client.GetLeaderAsync(new Paxos.Transport.V1.GetLeaderRequest(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken).ConfigureAwait(false);
                if (reply.Known)
                {
                    return $"{reply.LeaderId} ({reply.LeaderUrl})";
                }
            }
            catch (Grpc.Core.RpcException)
            {
                // not ready yet
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
        return null;
    }

    private static async Task<bool> WaitUntilListeningAsync(ClusterConfig cluster, TimeSpan limit, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + limit;
        foreach (var node in cluster.Nodes)
        {
            while (true)
            {
                using var client = new TcpClient();
                try
                {
                    await client.ConnectAsync("127.0.0.1", node.Port, cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100, cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    return false;
                }
            }
        }
        return true;
    }
}
