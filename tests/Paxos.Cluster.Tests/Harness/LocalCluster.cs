using Grpc.Core;
using Grpc.Net.Client;
using Paxos.Node.Configuration;
using Paxos.Node.Hosting;
using Paxos.Transport.V1;
using Xunit.Abstractions;

namespace Paxos.Cluster.Tests.Harness;

/// <summary>
/// A cluster of real <c>paxos node</c> processes on loopback, on free ports, with data in a fresh
/// temporary directory. Nodes fail for real: SIGKILL, SIGSTOP, and, with proxies, network
/// partitions (<see cref="TcpProxy"/>). Disposing kills every process it started and deletes the data.
/// </summary>
internal sealed class LocalCluster : IDisposable
{
    private readonly ITestOutputHelper _log;
    private readonly NodeProcess?[] _processes;
    private readonly GrpcChannel[] _channels;
    private readonly Dictionary<(int Node, int As), GrpcChannel> _peerChannels = [];
    private readonly TcpProxy[] _proxies;
    private readonly List<string> _exitedByThemselves = [];
    private readonly string _foundingConfigPath;
    private readonly ClusterConfig _foundingConfig;
    private readonly HashSet<int> _retired = [];

    /// <param name="proxies">Put a <see cref="TcpProxy"/> in front of every node (the cluster file's url names it), so tests can cut nodes off.</param>
    /// <param name="founders">How many of the nodes found the cluster (null: all): those start with a file of only them, the others with the whole file, to join.</param>
    public LocalCluster(ITestOutputHelper log, int size = 5, bool proxies = false, int? founders = null)
    {
        _log = log;
        Root = Path.Combine(Path.GetTempPath(), "paxos-cluster-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        int[] ports = FreePorts.Take(proxies ? 2 * size : size);
        int UrlPort(int node) => proxies ? ports[size + node] : ports[node];
        _proxies = proxies ? [.. Enumerable.Range(0, size).Select(node => new TcpProxy(UrlPort(node), ports[node]))] : [];
        Config = new ClusterConfig([.. Enumerable.Range(0, size).Select(i => new NodeEntry($"node-{i}", new Uri($"http://127.0.0.1:{UrlPort(i)}"), ports[i]))]);
        ConfigPath = Path.Combine(Root, "cluster.yaml");
        File.WriteAllText(ConfigPath, ClusterFile.Render(Config));
        Founders = founders ?? size;
        Invariant(Founders >= 1 && Founders <= size, $"{Founders} founders of {size} nodes");
        _foundingConfigPath = Founders == size ? ConfigPath : Path.Combine(Root, "founders.yaml");
        _foundingConfig = new ClusterConfig([.. Config.Nodes.Take(Founders)]);
        if (Founders < size)
        {
            File.WriteAllText(_foundingConfigPath, ClusterFile.Render(_foundingConfig));
        }
        _processes = new NodeProcess?[size];
        _channels = [.. Config.Nodes.Select(n => PeerChannels.Create(n.Url))];
    }

    public string Root { get; }

    /// <summary>How many nodes (the first ones) found the cluster; the others can only join it.</summary>
    public int Founders { get; }

    /// <summary>Every node this cluster may run, the founders first; the joiners' cluster file (<see cref="ConfigPath"/>).</summary>
    public ClusterConfig Config { get; }

    /// <summary>True while node <paramref name="node"/>'s process runs.</summary>
    public bool IsRunning(int node) => _processes[node] is { HasExited: false };

    public string ConfigPath { get; }

    public int Size => Config.Size;

    public string DataDirectory(int node) => Path.Combine(Root, Config.Nodes[node].Id);

    public NodeProcess Process(int node) => _processes[node] ?? throw new InvalidOperationException($"node {node} is not running");

    /// <summary>The proxy in front of node <paramref name="node"/>; only for a cluster made with proxies.</summary>
    public TcpProxy Proxy(int node) => _proxies.Length > 0 ? _proxies[node] : throw new InvalidOperationException("this cluster has no proxies");

    public ConsensusService.ConsensusServiceClient Consensus(int node) => new(_channels[node]);

    /// <summary>Node <paramref name="node"/>'s PaxosService, called as the next node in the file (a member it admits).</summary>
    public PaxosService.PaxosServiceClient Peer(int node) => PeerAs(node, (node + 1) % Size);

    /// <summary>Node <paramref name="node"/>'s PaxosService, called as node <paramref name="asNode"/> of this cluster would call it.</summary>
    public PaxosService.PaxosServiceClient PeerAs(int node, int asNode)
    {
        lock (_peerChannels)
        {
            if (!_peerChannels.TryGetValue((node, asNode), out var channel))
            {
                channel = PeerChannels.Create(Config.Nodes[node].Url, caller: new PeerHeaders(ClusterId.Founding(_foundingConfig), Config.Nodes[asNode].Id));
                _peerChannels[(node, asNode)] = channel;
            }
            return new(channel);
        }
    }

    public KeyValueService.KeyValueServiceClient KeyValue(int node) => new(_channels[node]);

    public WatchService.WatchServiceClient Watches(int node) => new(_channels[node]);

    public LeaseService.LeaseServiceClient Lease(int node) => new(_channels[node]);

    public MembershipService.MembershipServiceClient Members(int node) => new(_channels[node]);

    public async Task<GetStatusResponse> StatusAsync(int node) =>
        await Peer(node).GetStatusAsync(new GetStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(5)).ConfigureAwait(false);

    /// <summary>Polls until some live node reports itself leader and returns its index.</summary>
    public async Task<int> WaitForLeaderAsync(TimeSpan within, ISet<int>? down = null)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            for (int node = 0; node < Size; node++)
            {
                if (down?.Contains(node) == true || !IsRunning(node))
                {
                    continue;
                }
                try
                {
                    if ((await StatusAsync(node).ConfigureAwait(false)).Role == "leader")
                    {
                        return node;
                    }
                }
                catch (RpcException e) when (IsUnavailable(e))
                {
                    // not up (yet)
                }
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no leader within {within}");
            }
            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    public async Task StartAllAsync()
    {
        for (int i = 0; i < Founders; i++)
        {
            Start(i);
        }
        for (int i = 0; i < Founders; i++)
        {
            await WaitListeningAsync(i).ConfigureAwait(false);
        }
    }

    /// <summary>Extra arguments for every <c>paxos node</c> started from now on.</summary>
    public IReadOnlyList<string> NodeArguments { get; set; } = [];

    /// <summary>
    /// Starts node <paramref name="node"/> (again) on its data directory, with <paramref name="arguments"/> after
    /// <see cref="NodeArguments"/>: a <c>paxos node</c>, or with <paramref name="failpoints"/> the test-only
    /// <c>paxos-test-node node</c> with those faults planted.
    /// </summary>
    public NodeProcess Start(int node, string? failpoints = null, IReadOnlyList<string>? arguments = null)
    {
        Invariant(_processes[node] is null || _processes[node]!.HasExited, $"node {node} is already running");
        if (_processes[node]?.ExitedByItself() is { } reason)
        {
            _exitedByThemselves.Add($"node {node} {reason}");
        }
        Invariant(!_retired.Contains(node), $"node {node} was removed from the cluster");
        _processes[node]?.Dispose();
        var process = NodeProcess.Start(
            ["node", "--config", node < Founders ? _foundingConfigPath : ConfigPath, "--id", Config.Nodes[node].Id, "--data-dir", DataDirectory(node),
                // Should this test process die without cleaning up, its nodes stop by themselves.
                "--watch-parent", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                .. NodeArguments, .. arguments ?? []],
            failpoints is null ? "paxos" : "paxos-test-node",
            failpoints is null ? null : new Dictionary<string, string> { [Paxos.TestNode.Failpoints.EnvironmentVariable] = failpoints });
        _processes[node] = process;
        return process;
    }

    public async Task StartAndWaitAsync(int node, string? failpoints = null)
    {
        Start(node, failpoints);
        await WaitListeningAsync(node).ConfigureAwait(false);
    }

    /// <summary>
    /// Fails if any node process this cluster started, also one since restarted, ended without the
    /// test ending it (<see cref="NodeProcess.ExitedByItself"/>): a node that dies of an invariant
    /// failure must not pass unseen because a fault injector killed and restarted it afterwards.
    /// </summary>
    public void AssertNoNodeExitedByItself()
    {
        var found = new List<string>(_exitedByThemselves);
        for (int node = 0; node < Size; node++)
        {
            if (!_retired.Contains(node) && _processes[node]?.ExitedByItself() is { } reason)
            {
                found.Add($"node {node} {reason}");
            }
        }
        Assert.True(found.Count == 0, string.Join("\n\n", found));
    }

    /// <summary>Node <paramref name="node"/> was removed from the membership: it stops by itself, and is never started again.</summary>
    public void Retire(int node) => _retired.Add(node);

    /// <summary>SIGKILL: the node dies at once, keeping only what it fsynced.</summary>
    public void Kill(int node)
    {
        Process(node).Kill();
        _log.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} killed node {node} (SIGKILL)");
    }

    public Task WaitListeningAsync(int node) => Process(node).WaitListeningAsync($"node {node}", Config.Nodes[node].Port);

    /// <summary>What node <paramref name="node"/> has learned (locally only, or asking its peers too).</summary>
    public async Task<string?> LearnedAsync(int node, bool askPeers)
    {
        var reply = await Consensus(node).GetLearnedAsync(
            new GetLearnedRequest { InstanceId = CurrentInstance, LearnFromPeers = askPeers },
            deadline: DateTime.UtcNow.AddSeconds(10)).ConfigureAwait(false);
        return reply.Learned ? reply.Value.ToStringUtf8() : null;
    }

    /// <summary>Polls until node <paramref name="node"/> has learned a value locally (from a Decide), or the time is up.</summary>
    public async Task<string?> EventuallyLearnedAsync(int node, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            string? value = await LearnedAsync(node, askPeers: false).ConfigureAwait(false);
            if (value is not null || DateTime.UtcNow > deadline)
            {
                return value;
            }
            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>The instance id the test works on.</summary>
    public string CurrentInstance { get; set; } = "instance-1";

    public async Task<string> ProposeAsync(int node, string value, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var reply = await Consensus(node).ProposeAsync(
            new ProposeRequest { InstanceId = CurrentInstance, Value = Google.Protobuf.ByteString.CopyFromUtf8(value), TimeoutMs = (uint)limit.TotalMilliseconds },
            deadline: DateTime.UtcNow + limit + TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        return reply.ChosenValue.ToStringUtf8();
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            if (process is null)
            {
                continue;
            }
            int pid = process.Pid;
            try
            {
                process.Dispose();
            }
            finally
            {
                _log.WriteLine($"--- node output (pid {pid}) ---\n{process.Output}");
            }
        }
        foreach (var channel in _channels.Concat(_peerChannels.Values))
        {
            channel.Dispose();
        }
        foreach (var proxy in _proxies)
        {
            proxy.Dispose();
        }
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp directory
        }
    }

    private static void Invariant(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    public static bool IsUnavailable(RpcException e) => e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded;

    /// <summary>
    /// True if the client never got an HTTP/2 connection to the node: the TCP connection opened
    /// (the kernel accepts for a paused or still starting node), but the node did not complete the
    /// HTTP/2 handshake before the client gave up. grpc-dotnet reports that as INTERNAL ("Error
    /// starting gRPC call"), made up by the client, with no node involved; the call never reached
    /// one. Every other INTERNAL or UNKNOWN is an answer from a node, and a failure of the system.
    /// </summary>
    public static bool IsHandshakeFailure(RpcException e) =>
        e.StatusCode == StatusCode.Internal && e.Status.DebugException is HttpRequestException handshake
        && handshake.Message.Contains("HTTP/2 connection could not be established", StringComparison.Ordinal);
}
