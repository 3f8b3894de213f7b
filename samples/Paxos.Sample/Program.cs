// Three Paxos nodes embedded in this process (package Paxos.Node), replicating the key-value
// store, and a typed client (package Paxos.Client) that writes and reads through them.
// Usage: dotnet run [-- DATA_DIR]   (default: a new temporary directory, removed at the end)
using System.Net;
using System.Net.Sockets;
using Paxos.Client;
using Paxos.Node.Configuration;
using Paxos.Node.Hosting;

string root = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "paxos-sample-" + Guid.NewGuid().ToString("N"));
using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
var nodes = new List<NodeEntry>();
for (int i = 0; i < 3; i++)
{
    int port = FreePort();
    nodes.Add(new NodeEntry($"node-{i}", new Uri($"http://127.0.0.1:{port}"), port));
}
var cluster = new ClusterConfig(nodes);
var hosts = new List<PaxosNodeHost>();
try
{
    foreach (var node in nodes)
    {
        hosts.Add(await PaxosNodeHost.StartAsync(new NodeOptions(cluster, node.Id, Path.Combine(root, node.Id)), stop.Token));
    }

    await using var client = new PaxosClient(new PaxosClientOptions { Endpoints = [.. nodes.Select(n => n.Url)], Timeout = TimeSpan.FromSeconds(60) });
    PutResult put = await client.PutAsync("greeting", "hello", cancellationToken: stop.Token);
    GetResult got = await client.GetAsync("greeting", cancellationToken: stop.Token);
    CompareAndSwapResult swapped = await client.CompareAndSwapAsync("greeting", "hello"u8.ToArray(), "hello, Paxos"u8.ToArray(), cancellationToken: stop.Token);
    GetResult after = await client.GetAsync("greeting", cancellationToken: stop.Token);
    LeaderInfo leader = await client.GetLeaderAsync(cancellationToken: stop.Token);

    Console.WriteLine($"put greeting at index {put.Index}; read \"{got.ValueAsString()}\"; compare-and-swap {(swapped.Succeeded ? "succeeded" : "failed")}; now \"{after.ValueAsString()}\"; leader {leader.Id}");
    return got.ValueAsString() == "hello" && swapped.Succeeded && after.ValueAsString() == "hello, Paxos" ? 0 : 1;
}
finally
{
    foreach (var host in hosts)
    {
        await host.DisposeAsync();
    }
    if (args.Length == 0 && Directory.Exists(root))
    {
        Directory.Delete(root, recursive: true);
    }
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}
