using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Paxos.Node.Configuration;
using Paxos.Node.Hosting;
using Paxos.Transport.V1;

namespace Paxos.Cluster.Tests.Harness;

/// <summary>
/// A cluster of nodes hosted in the test process (<see cref="PaxosNodeHost"/>) on free loopback
/// ports, each with a metrics endpoint, data in a fresh temporary directory: quicker to start than
/// processes where a test needs no crash. Disposing stops every node and deletes the data.
/// </summary>
internal sealed class EmbeddedCluster : IAsyncDisposable
{
    private readonly PaxosNodeHost?[] _hosts;
    private readonly int[] _metricsPorts;
    private readonly List<GrpcChannel> _channels = [];
    private readonly HttpClient _http = new();

    /// <param name="size">How many nodes the cluster file lists.</param>
    /// <param name="clusterToken">The cluster file's cluster_token.</param>
    /// <param name="urls">Urls to use instead of fresh loopback ones, by node (null: a fresh one).</param>
    public EmbeddedCluster(int size, string clusterToken = "", IReadOnlyList<Uri?>? urls = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "paxos-embedded-" + Guid.NewGuid().ToString("N"));
        int[] ports = FreePorts.Take(2 * size);
        Config = new ClusterConfig(
            [.. Enumerable.Range(0, size).Select(i => urls?[i] is { } url
                ? new NodeEntry($"node-{i}", url, url.Port)
                : new NodeEntry($"node-{i}", new Uri($"http://127.0.0.1:{ports[i]}"), ports[i]))],
            clusterToken);
        _metricsPorts = ports[size..];
        _hosts = new PaxosNodeHost?[size];
    }

    public string Root { get; }

    public ClusterConfig Config { get; }

    public ClusterId Id => ClusterId.Founding(Config);

    public PaxosNodeHost Host(int node) => _hosts[node] ?? throw new InvalidOperationException($"node {node} is not running");

    public async Task StartAsync(int node, Func<NodeOptions, NodeOptions>? configure = null)
    {
        var options = new NodeOptions(Config, Config.Nodes[node].Id, Path.Combine(Root, Config.Nodes[node].Id)) { MetricsPort = _metricsPorts[node] };
        _hosts[node] = await PaxosNodeHost.StartAsync(configure is null ? options : configure(options), CancellationToken.None);
    }

    public async Task StopAsync(int node)
    {
        var host = Host(node);
        _hosts[node] = null;
        await host.DisposeAsync();
    }

    /// <summary>A channel to node <paramref name="node"/>, presenting <paramref name="caller"/> (null: nothing) on every call.</summary>
    public GrpcChannel Channel(int node, PeerHeaders? caller = null)
    {
        var channel = PeerChannels.Create(Config.Nodes[node].Url, caller: caller);
        lock (_channels)
        {
            _channels.Add(channel);
        }
        return channel;
    }

    public KeyValueService.KeyValueServiceClient KeyValue(int node) => new(Channel(node));

    /// <summary>Puts until a leader takes it (a new cluster elects one first).</summary>
    public async Task PutAsync(int node, string key, ByteString value, TimeSpan within)
    {
        var client = KeyValue(node);
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try
            {
                await client.PutAsync(new PutRequest { Key = key, Value = value }, deadline: DateTime.UtcNow.AddSeconds(10));
                return;
            }
            catch (RpcException e) when (LocalCluster.IsUnavailable(e) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Every key and value node <paramref name="node"/>'s replica holds, read locally (serializable), in key order.</summary>
    public async Task<List<(string Key, ByteString Value)>> ContentsAsync(int node)
    {
        var client = KeyValue(node);
        var contents = new List<(string, ByteString)>();
        string after = "";
        while (true)
        {
            var page = await client.ListAsync(new ListRequest { StartAfter = after, Consistency = ReadConsistency.Serializable }, deadline: DateTime.UtcNow.AddSeconds(10));
            contents.AddRange(page.Items.Select(item => (item.Key, item.Value)));
            if (!page.More)
            {
                return contents;
            }
            after = page.Items[^1].Key;
        }
    }

    /// <summary>
    /// Node <paramref name="node"/>'s promise, commit and applied index, its data, and the bytes of
    /// every file in its data directory: equal fingerprints, nothing changed.
    /// </summary>
    public async Task<string> FingerprintAsync(int node)
    {
        var status = Host(node).Log.Status;
        var contents = await ContentsAsync(node);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (key, value) in contents)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(key));
            hash.AppendData(value.Span);
        }
        foreach (string file in Directory.GetFiles(Path.Combine(Root, Config.Nodes[node].Id), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(file));
            hash.AppendData(await File.ReadAllBytesAsync(file));
        }
        return $"ballot {status.Ballot} commit {status.CommitIndex} applied {status.AppliedIndex}; {contents.Count} keys; {Convert.ToHexString(hash.GetHashAndReset())}";
    }

    /// <summary>The fingerprint once it stays the same over an election timeout (after a change such as a peer stopping has run its course).</summary>
    public async Task<string> SettledFingerprintAsync(int node)
    {
        string seen = await FingerprintAsync(node);
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            string now = await FingerprintAsync(node);
            if (now == seen)
            {
                return now;
            }
            seen = now;
        }
    }

    /// <summary>The value of a counter on node <paramref name="node"/>'s metrics endpoint, e.g. <c>paxos_peer_messages_refused_total{reason="other_cluster"}</c>; 0 if absent.</summary>
    public async Task<double> MetricAsync(int node, string series)
    {
        string text = await _http.GetStringAsync(new Uri($"http://127.0.0.1:{_metricsPorts[node]}/metrics"));
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        for (int node = 0; node < _hosts.Length; node++)
        {
            if (_hosts[node] is not null)
            {
                await StopAsync(node);
            }
        }
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
        _http.Dispose();
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
