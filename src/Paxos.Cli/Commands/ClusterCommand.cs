using System.CommandLine;
using System.Net.Sockets;
using Paxos.Node.Configuration;
using Paxos.Node.Security;

namespace Paxos.Cli.Commands;

/// <summary>
/// <c>paxos cluster</c>: the local cluster. Writes (or reuses) the cluster file, starts one
/// <c>paxos node</c> process per node, prints where they are, reports nodes that exit (restarting
/// none), follows <c>paxos cluster add|remove</c> (<see cref="LocalNodes"/>), and on Ctrl+C stops
/// them all. Children also stop on their own if this process dies.
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
        var command = new Command("cluster", "Run a local cluster of nodes on this machine until Ctrl+C; 'cluster add' and 'cluster remove ID' grow and shrink it while it runs.")
        {
            nodes, basePort, dataDir, metricsBasePort, tls, ClusterMembershipCommands.CreateAdd(), ClusterMembershipCommands.CreateRemove(),
        };
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
        string clusterPath = Path.Combine(dataDir.FullName, LocalNodes.ClusterFileName);
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
        LocalNodes.WriteSupervisor(dataDir.FullName);

        var children = new Dictionary<string, NodeProcess>(StringComparer.Ordinal);
        try
        {
            LocalNodes nodes;
            try
            {
                nodes = LocalNodes.Load(dataDir.FullName);
            }
            catch (ConfigException e)
            {
                return CliError.Report(CliError.BadUsage, e.Message);
            }
            foreach (var node in nodes.Current)
            {
                children[node.Id] = StartNode(nodes, node, metricsBasePort, logs);
            }
            var current = new ClusterConfig([.. nodes.Current]) { Tls = cluster.Tls, Auth = cluster.Auth };
            Console.WriteLine($"Started {current.Size} nodes (cluster file: {clusterPath}):");
            foreach (var node in current.Nodes)
            {
                Console.WriteLine($"  {node.Id,-8} {node.Url.GetLeftPart(UriPartial.Authority),-24} pid {children[node.Id].Pid,-8} log {LogPath(logs, node)}");
            }
            if (metricsBasePort is int firstMetrics)
            {
                string scheme = cluster.Tls is null ? "http" : "https";
                Console.WriteLine($"Metrics (Prometheus): {scheme}://127.0.0.1:{firstMetrics}/metrics and up, the port plus the node's number");
            }
            bool up = await WaitUntilListeningAsync(current, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            Console.WriteLine(up ? "All nodes are listening." : "Not every node is listening yet; see the logs.");
            string? leader = up ? await WaitForLeaderAsync(current, TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(false) : null;
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
            Console.WriteLine($"  kill {children[current.Nodes[0].Id].Pid,-26} # stop a node; the others carry on while a majority is up");
            Console.WriteLine("  paxos cluster add               # start one more node, add it as a learner, promote it once caught up");
            Console.WriteLine("  paxos cluster remove node-0     # remove a node from the cluster; it stops");
            Console.WriteLine("  paxos member list               # who votes and who learns");
            Console.WriteLine("  paxos propose color blue        # a single-decree instance chooses one value");
            Console.WriteLine("Press Ctrl+C to stop the cluster.");

            try
            {
                await SuperviseAsync(dataDir.FullName, children, metricsBasePort, logs, cancellationToken).ConfigureAwait(false);
                Console.WriteLine("Every node has exited.");
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine("Stopping the cluster...");
            }
        }
        finally
        {
            await Task.WhenAll(children.Values.Select(child => child.StopAsync(TimeSpan.FromSeconds(10)))).ConfigureAwait(false);
            foreach (var child in children.Values)
            {
                child.Dispose();
            }
        }
        return CliError.Ok;
    }

    /// <summary>How often the supervisor looks for nodes added or removed by <c>paxos cluster add|remove</c>.</summary>
    private static readonly TimeSpan SupervisePeriod = TimeSpan.FromMilliseconds(300);

    /// <summary>How long a removed node has to stop by itself before the supervisor stops it.</summary>
    private static readonly TimeSpan RemovedGrace = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Until every node has exited (or Ctrl+C): starts nodes <c>paxos cluster add</c> added, stops
    /// removed ones that have not stopped by themselves, and reports each exit (restarting none).
    /// </summary>
    private static async Task SuperviseAsync(string dataDir, Dictionary<string, NodeProcess> children, int? metricsBasePort, string logs, CancellationToken cancellationToken)
    {
        var reported = new HashSet<string>(StringComparer.Ordinal);
        var removedAt = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        string? lastError = null;
        LocalNodes? loaded = null;
        string? loadedStamp = null;
        while (children.Values.Any(child => !child.HasExited) || children.Count > reported.Count)
        {
            await Task.Delay(SupervisePeriod, cancellationToken).ConfigureAwait(false);
            LocalNodes nodes;
            try
            {
                string stamp = LocalNodes.Stamp(dataDir); // taken first: a change made while loading is seen next time
                if (loaded is null || stamp != loadedStamp)
                {
                    loaded = LocalNodes.Load(dataDir);
                    loadedStamp = stamp;
                }
                nodes = loaded;
                lastError = null;
            }
            catch (Exception e) when (e is ConfigException or IOException)
            {
                if (e.Message != lastError)
                {
                    Console.WriteLine($"Cannot read the cluster's files, carrying on as before: {e.Message}");
                    lastError = e.Message;
                }
                continue;
            }
            foreach (var node in nodes.Current.Where(node => !children.ContainsKey(node.Id)))
            {
                bool joins = nodes.Joins(node);
                children[node.Id] = StartNode(nodes, node, metricsBasePort, logs);
                Console.WriteLine($"Started {node.Id} {node.Url.GetLeftPart(UriPartial.Authority)}{(joins ? " joining" : "")} pid {children[node.Id].Pid} log {LogPath(logs, node)}");
            }
            foreach (var (id, child) in children.Where(c => nodes.Removed.Contains(c.Key) && !c.Value.HasExited))
            {
                var since = removedAt.TryGetValue(id, out var at) ? at : removedAt[id] = DateTime.UtcNow;
                if (DateTime.UtcNow - since > RemovedGrace)
                {
                    Console.WriteLine($"{id} was removed and has not stopped by itself; stopping it.");
                    await child.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                }
            }
            foreach (var (id, child) in children.Where(c => c.Value.HasExited && !reported.Contains(c.Key)))
            {
                reported.Add(id);
                Console.WriteLine(nodes.Removed.Contains(id)
                    ? $"{id} (pid {child.Pid}) was removed and exited with code {child.ExitCode}."
                    : $"{id} (pid {child.Pid}) exited with code {child.ExitCode}; not restarting it. The others carry on while a majority is up.");
            }
        }
    }

    private static NodeProcess StartNode(LocalNodes nodes, NodeEntry node, int? metricsBasePort, string logs)
    {
        int number = nodes.All.ToList().IndexOf(node);
        string[] metricsArguments = metricsBasePort is int first ? ["--metrics-port", (first + number).ToString(System.Globalization.CultureInfo.InvariantCulture)] : [];
        string[] join = nodes.Joins(node) ? ["--join"] : [];
        return NodeProcess.Start(node.Id,
            ["--config", nodes.ConfigPathOf(node), "--id", node.Id, "--data-dir", nodes.DataDirOf(node),
                "--watch-parent", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), .. join, .. metricsArguments],
            LogPath(logs, node));
    }

    private static string LogPath(string logs, NodeEntry node) => Path.Combine(logs, node.Id + ".log");

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

    private static async Task<string?> WaitForLeaderAsync(ClusterConfig cluster, TimeSpan limit, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + limit;
        await using var client = ClientConnection.Create([cluster.Nodes[0].Url], ClientFlags.None, cluster).Client(TimeSpan.FromSeconds(2));
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var leader = await client.GetLeaderAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                if (leader.Known)
                {
                    return $"{leader.Id} ({leader.Url?.GetLeftPart(UriPartial.Authority)})";
                }
            }
            catch (Paxos.Client.PaxosException)
            {
                // not ready yet
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
        return null;
    }

    /// <summary>Waits until every node of <paramref name="cluster"/> accepts connections on its port; false if one does not within <paramref name="limit"/>.</summary>
    public static async Task<bool> WaitUntilListeningAsync(ClusterConfig cluster, TimeSpan limit, CancellationToken cancellationToken)
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
