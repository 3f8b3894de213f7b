using Paxos.Client;
using Paxos.Cluster.Tests.Harness;
using Xunit.Abstractions;

namespace Paxos.Cluster.Tests.MembershipChanges;

/// <summary>
/// A <see cref="LocalCluster"/> whose membership changes: its founders found it, later nodes
/// join (<see cref="GrowAsync"/>: <c>--join</c> while they have no data) and members leave (<see cref="RemoveAsync"/>), through the typed
/// client's membership calls. Ids are <c>node-k</c>. Every node snapshots every 500 slots, so a
/// learner added after a few thousand writes gets a snapshot first.
/// </summary>
internal sealed class MembershipCluster : IDisposable
{
    /// <summary>How long a change may be refused (another change or a leadership transfer under way, a learner catching up) before the test fails.</summary>
    private static readonly TimeSpan RefusalLimit = TimeSpan.FromSeconds(60);

    private readonly ITestOutputHelper _log;

    public MembershipCluster(ITestOutputHelper log, int founders, int capacity, bool proxies = false)
    {
        _log = log;
        Nodes = new LocalCluster(log, capacity, proxies, founders) { NodeArguments = ["--snapshot-interval", "500"] };
        Client = new PaxosClient(new PaxosClientOptions { Endpoints = [.. Urls], Timeout = TimeSpan.FromSeconds(30) });
    }

    /// <summary>The processes.</summary>
    public LocalCluster Nodes { get; }

    /// <summary>A client of every node this cluster may ever have (those not running are skipped).</summary>
    public PaxosClient Client { get; }

    public static string Id(int node) => $"node-{node}";

    public Uri Url(int node) => Nodes.Config.Nodes[node].Url;

    /// <summary>The URL of every node this cluster may ever have.</summary>
    public IEnumerable<Uri> Urls => Nodes.Config.Nodes.Select(n => n.Url);

    /// <summary>The URLs as <c>--endpoints</c> takes them.</summary>
    public string Endpoints => string.Join(",", Urls);

    /// <summary>Starts the founding nodes and waits until a leader is known.</summary>
    public async Task FoundAsync()
    {
        await Nodes.StartAllAsync().ConfigureAwait(false);
        await LeaderAsync().ConfigureAwait(false);
    }

    /// <summary>Starts node <paramref name="node"/> joining, adds it as a learner, and promotes it once it has caught up.</summary>
    public async Task GrowAsync(int node)
    {
        bool fresh = !Directory.Exists(Nodes.DataDirectory(node)) || !Directory.EnumerateFileSystemEntries(Nodes.DataDirectory(node)).Any();
        Nodes.Start(node, arguments: fresh ? ["--join"] : []);
        var added = await UntilAcceptedAsync($"add {Id(node)}", () => Client.AddMemberAsync(Id(node), Url(node))).ConfigureAwait(false);
        Assert.Contains(added.Members, m => m.Id == Id(node) && !m.IsVoter);
        Log($"added {Id(node)} as a learner at slot {added.Slot}");
        // A joining node listens once it is a member.
        await Nodes.WaitListeningAsync(node).ConfigureAwait(false);
        var promoted = await UntilAcceptedAsync($"promote {Id(node)}", () => Client.PromoteMemberAsync(Id(node))).ConfigureAwait(false);
        Assert.Contains(promoted.Members, m => m.Id == Id(node) && m.IsVoter);
        Log($"promoted {Id(node)} at slot {promoted.Slot}");
    }

    /// <summary>Removes node <paramref name="node"/>, and waits until its process, if it runs, has stopped by itself with exit code 0.</summary>
    public async Task RemoveAsync(int node)
    {
        var removed = await UntilAcceptedAsync($"remove {Id(node)}", () => Client.RemoveMemberAsync(Id(node))).ConfigureAwait(false);
        Assert.DoesNotContain(removed.Members, m => m.Id == Id(node));
        Nodes.Retire(node);
        Log($"removed {Id(node)} at slot {removed.Slot}");
        if (Nodes.IsRunning(node))
        {
            var process = Nodes.Process(node);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            Assert.True(process.ExitCode == 0, $"removed node {node} exited with code {process.ExitCode}:\n{process.Output}");
            Log($"{Id(node)} stopped by itself");
        }
    }

    /// <summary>The voters and learners, by id, as a linearizable member list gives them.</summary>
    public async Task<(string[] Voters, string[] Learners)> MembersAsync()
    {
        var list = await Client.ListMembersAsync().ConfigureAwait(false);
        return ([.. list.Members.Where(m => m.IsVoter).Select(m => m.Id).Order(StringComparer.Ordinal)],
            [.. list.Members.Where(m => !m.IsVoter).Select(m => m.Id).Order(StringComparer.Ordinal)]);
    }

    /// <summary>The node that leads, as the member list names it (waiting up to 30 s for one).</summary>
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

    /// <summary>
    /// Every key under <paramref name="prefix"/> and its value, by linearizable <c>List</c> pages
    /// through the running nodes in turn (a node that cannot answer is passed over).
    /// </summary>
    public async Task<Dictionary<string, string>> ReadAllAsync(string prefix)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        string after = "";
        var deadline = DateTime.UtcNow.AddSeconds(60);
        int[] running = [.. Enumerable.Range(0, Nodes.Size).Where(Nodes.IsRunning)];
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                var page = await Nodes.KeyValue(running[attempt % running.Length]).ListAsync(
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

    public void Dispose()
    {
        Client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Nodes.Dispose();
    }

    /// <summary>Runs a change until it is accepted; refusals (retry later) are logged and retried for <see cref="RefusalLimit"/>.</summary>
    private async Task<T> UntilAcceptedAsync<T>(string change, Func<Task<T>> send)
    {
        var deadline = DateTime.UtcNow + RefusalLimit;
        string? last = null;
        while (true)
        {
            try
            {
                return await send().ConfigureAwait(false);
            }
            catch (PaxosRefusedException e) when (DateTime.UtcNow < deadline)
            {
                if (e.Message != last)
                {
                    Log($"{change} refused, retrying: {e.Message}");
                    last = e.Message;
                }
                await Task.Delay(200).ConfigureAwait(false);
            }
        }
    }

    private void Log(string line) => _log.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
}
