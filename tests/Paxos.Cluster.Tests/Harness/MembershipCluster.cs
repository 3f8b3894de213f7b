using Paxos.Client;
using Paxos.Node.Configuration;
using Xunit.Abstractions;

namespace Paxos.Cluster.Tests.Harness;

/// <summary>
/// Real <c>paxos node</c> processes on loopback whose membership changes: the first
/// <c>founding</c> nodes found the cluster from <see cref="ConfigPath"/>; any later node
/// <c>k</c> (of at most <c>capacity</c>, each with its free port) joins with <c>--join</c> and a
/// file of nodes 0 to k, itself last. Ids are <c>node-k</c>. Disposing kills every process it
/// started and deletes the data.
/// </summary>
internal sealed class MembershipCluster : IDisposable
{
    private readonly ITestOutputHelper _log;
    private readonly NodeEntry[] _nodes;
    private readonly NodeProcess?[] _processes;
    private readonly HashSet<int> _removed = [];

    public MembershipCluster(ITestOutputHelper log, int founding, int capacity)
    {
        _log = log;
        Founding = founding;
        Root = Path.Combine(Path.GetTempPath(), "paxos-membership-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        int[] ports = FreePorts.Take(capacity);
        _nodes = [.. Enumerable.Range(0, capacity).Select(k => new NodeEntry(Id(k), new Uri($"http://127.0.0.1:{ports[k]}"), ports[k]))];
        _processes = new NodeProcess?[capacity];
        ConfigPath = Path.Combine(Root, "cluster.yaml");
        File.WriteAllText(ConfigPath, ClusterFile.Render(new ClusterConfig(_nodes[..founding])));
        Client = new PaxosClient(new PaxosClientOptions { Endpoints = [.. _nodes.Select(n => n.Url)], Timeout = TimeSpan.FromSeconds(30) });
    }

    public string Root { get; }

    public int Founding { get; }

    public int Capacity => _nodes.Length;

    /// <summary>The founding cluster file.</summary>
    public string ConfigPath { get; }

    /// <summary>A client of every node this cluster may ever have (those not running are skipped).</summary>
    public PaxosClient Client { get; }

    public static string Id(int node) => $"node-{node}";

    public Uri Url(int node) => _nodes[node].Url;

    /// <summary>The URL of every node this cluster may ever have.</summary>
    public IEnumerable<Uri> Urls => _nodes.Select(n => n.Url);

    /// <summary>The URLs as <c>--endpoints</c> takes them.</summary>
    public string Endpoints => string.Join(",", Urls);

    public string DataDirectory(int node) => Path.Combine(Root, Id(node));

    public NodeProcess Process(int node) => _processes[node] ?? throw new InvalidOperationException($"node {node} was never started");

    public bool IsRunning(int node) => _processes[node] is { HasExited: false };

    /// <summary>
    /// Starts node <paramref name="node"/>: a founding node on the founding file; a later one on its
    /// join file, with <c>--join</c> while its data directory is empty (once it has data, its
    /// configuration is in there).
    /// </summary>
    public NodeProcess Start(int node)
    {
        if (IsRunning(node))
        {
            throw new InvalidOperationException($"node {node} is already running");
        }
        _processes[node]?.Dispose();
        string config = ConfigPath;
        string[] join = [];
        if (node >= Founding)
        {
            config = Path.Combine(Root, $"join-{node}.yaml");
            File.WriteAllText(config, ClusterFile.Render(new ClusterConfig(_nodes[..(node + 1)])));
            bool fresh = !Directory.Exists(DataDirectory(node)) || !Directory.EnumerateFileSystemEntries(DataDirectory(node)).Any();
            join = fresh ? ["--join"] : [];
        }
        // A snapshot every 500 slots: a learner added after a few thousand writes gets one first.
        var process = NodeProcess.Start(["node", "--config", config, "--id", Id(node), "--data-dir", DataDirectory(node), "--snapshot-interval", "500",
            "--watch-parent", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), .. join]);
        _processes[node] = process;
        _log.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} started node {node} (pid {process.Pid}{(join.Length > 0 ? ", joining" : "")})");
        return process;
    }

    /// <summary>Starts the founding nodes and waits until a leader is known.</summary>
    public async Task FoundAsync()
    {
        for (int node = 0; node < Founding; node++)
        {
            Start(node);
        }
        for (int node = 0; node < Founding; node++)
        {
            await WaitListeningAsync(node).ConfigureAwait(false);
        }
        await LeaderAsync().ConfigureAwait(false);
    }

    public async Task StartAndWaitAsync(int node)
    {
        Start(node);
        await WaitListeningAsync(node).ConfigureAwait(false);
    }

    /// <summary>SIGKILL: the node dies at once, keeping only what it fsynced.</summary>
    public void Kill(int node)
    {
        Process(node).Kill();
        _log.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} killed node {node} (SIGKILL)");
    }

    public Task WaitListeningAsync(int node) => Process(node).WaitListeningAsync($"node {node}", _nodes[node].Port);

    /// <summary>Starts node <paramref name="node"/> joining, adds it as a learner, and promotes it once it has caught up (refusals retried for a minute).</summary>
    public async Task GrowAsync(int node)
    {
        await StartAndWaitAsync(node).ConfigureAwait(false);
        var added = await Client.AddMemberAsync(Id(node), Url(node)).ConfigureAwait(false);
        Assert.Contains(added.Members, m => m.Id == Id(node) && !m.IsVoter);
        _log.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} added {Id(node)} as a learner at slot {added.Slot}");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                var promoted = await Client.PromoteMemberAsync(Id(node)).ConfigureAwait(false);
                Assert.Contains(promoted.Members, m => m.Id == Id(node) && m.IsVoter);
                _log.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} promoted {Id(node)} at slot {promoted.Slot}");
                return;
            }
            catch (PaxosRefusedException e) when (DateTime.UtcNow < deadline)
            {
                _log.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} promote of {Id(node)} refused, retrying: {e.Message}");
                await Task.Delay(200).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Removes node <paramref name="node"/>, and waits until its process, if it runs, has stopped by itself with exit code 0.</summary>
    public async Task RemoveAsync(int node)
    {
        var removed = await Client.RemoveMemberAsync(Id(node)).ConfigureAwait(false);
        Assert.DoesNotContain(removed.Members, m => m.Id == Id(node));
        _removed.Add(node);
        _log.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} removed {Id(node)} at slot {removed.Slot}");
        if (_processes[node] is { HasExited: false } process)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            Assert.True(process.ExitCode == 0, $"removed node {node} exited with code {process.ExitCode}:\n{process.Output}");
        }
    }

    /// <summary>
    /// Every key under <paramref name="prefix"/> and its value, by linearizable <c>List</c> pages
    /// through the running nodes in turn (a node that cannot answer is passed over).
    /// </summary>
    public async Task<Dictionary<string, string>> ReadAllAsync(string prefix)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        string after = "";
        var deadline = DateTime.UtcNow.AddSeconds(60);
        for (int attempt = 0; ; attempt++)
        {
            int node = Enumerable.Range(0, Capacity).Where(IsRunning).ElementAt(attempt % Enumerable.Range(0, Capacity).Count(IsRunning));
            using var channel = Paxos.Node.Hosting.PeerChannels.Create(Url(node));
            try
            {
                var page = await new Paxos.Transport.V1.KeyValueService.KeyValueServiceClient(channel).ListAsync(
                    new Paxos.Transport.V1.ListRequest { Prefix = prefix, StartAfter = after, Limit = 1000 }, deadline: DateTime.UtcNow.AddSeconds(10)).ConfigureAwait(false);
                foreach (var item in page.Items)
                {
                    found[item.Key] = item.Value.ToStringUtf8();
                    after = item.Key;
                }
                if (!page.More)
                {
                    return found;
                }
            }
            catch (Grpc.Core.RpcException e) when (LocalCluster.IsUnavailable(e) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Fails if a node that was not removed ended without the test ending it (<see cref="NodeProcess.ExitedByItself"/>).</summary>
    public void AssertNoNodeExitedByItself()
    {
        string[] found = [.. Enumerable.Range(0, Capacity).Where(node => !_removed.Contains(node))
            .Select(node => _processes[node]?.ExitedByItself() is { } reason ? $"node {node} {reason}" : null).OfType<string>()];
        Assert.True(found.Length == 0, string.Join("\n\n", found));
    }

    /// <summary>The voters and learners, by id, as a linearizable member list gives them.</summary>
    public async Task<(string[] Voters, string[] Learners)> MembersAsync()
    {
        var list = await Client.ListMembersAsync().ConfigureAwait(false);
        return ([.. list.Members.Where(m => m.IsVoter).Select(m => m.Id).Order(StringComparer.Ordinal)],
            [.. list.Members.Where(m => !m.IsVoter).Select(m => m.Id).Order(StringComparer.Ordinal)]);
    }

    /// <summary>The node that leads, as the member list names it.</summary>
    public async Task<int> LeaderAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var list = await Client.ListMembersAsync().ConfigureAwait(false);
            if (list.LeaderId is { } leader)
            {
                return int.Parse(leader["node-".Length..], System.Globalization.CultureInfo.InvariantCulture);
            }
            Assert.True(DateTime.UtcNow < deadline, "no leader within 30 s");
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        Client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        for (int node = 0; node < _processes.Length; node++)
        {
            if (_processes[node] is not { } process)
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
                _log.WriteLine($"--- node {node} output (pid {pid}) ---\n{process.Output}");
            }
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
}
