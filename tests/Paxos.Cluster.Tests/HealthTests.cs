using System.Globalization;
using System.Net;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Paxos.Cluster.Tests.Harness;
using Paxos.Node.Hosting;
using Paxos.Node.Replication;
using Xunit.Abstractions;

namespace Paxos.Cluster.Tests;

/// <summary>
/// Health on real processes: <c>/healthz</c> and <c>/readyz</c> on the metrics port, and the
/// standard gRPC health service (<c>grpc.health.v1.Health</c>) on the node's own port.
/// </summary>
public sealed class HealthTests(ITestOutputHelper output) : IDisposable
{
    private const string KeyValueService = "paxos.v1.KeyValueService";
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(15);
    private readonly LocalCluster _cluster = new(output, size: 3, proxies: true);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly List<GrpcChannel> _direct = [];
    private int[] _metricsPorts = [];

    public void Dispose()
    {
        _cluster.Dispose();
        _http.Dispose();
        _direct.ForEach(channel => channel.Dispose());
    }

    [Fact]
    public async Task Every_node_of_a_settled_cluster_is_live_ready_and_serving()
    {
        var health = await StartAsync();

        for (int node = 0; node < _cluster.Size; node++)
        {
            await EventuallyAsync(node, HttpStatusCode.OK, HealthCheckResponse.Types.ServingStatus.Serving, health[node]);
            Assert.Equal((HttpStatusCode.OK, "ok"), await GetAsync(node, "/healthz"));
            Assert.Equal((HttpStatusCode.OK, "ok"), await GetAsync(node, "/readyz"));
        }
    }

    [Fact]
    public async Task A_node_cut_off_from_the_others_is_not_ready_until_the_partition_heals()
    {
        var health = await StartAsync();
        int leader = await _cluster.WaitForLeaderAsync(Settle);
        int cut = (leader + 1) % _cluster.Size;
        await EventuallyAsync(cut, HttpStatusCode.OK, HealthCheckResponse.Types.ServingStatus.Serving, health[cut]);

        _cluster.Proxy(cut).Cut();
        string reason = await EventuallyAsync(cut, HttpStatusCode.ServiceUnavailable, HealthCheckResponse.Types.ServingStatus.NotServing, health[cut]);
        Assert.Matches("^(not heard from the leader node-[0-9] for an election timeout|no leader known)", reason); // it may give up on that leader
        Assert.Equal((HttpStatusCode.OK, "ok"), await GetAsync(cut, "/healthz")); // cut off, but its process works
        await EventuallyAsync(leader, HttpStatusCode.OK, HealthCheckResponse.Types.ServingStatus.Serving, health[leader]);

        _cluster.Proxy(cut).Heal();
        await EventuallyAsync(cut, HttpStatusCode.OK, HealthCheckResponse.Types.ServingStatus.Serving, health[cut]);
    }

    /// <summary>The readiness rule itself, for what a real cluster does not readily show: a stuck loop and a lagging replica.</summary>
    [Fact]
    public void A_stuck_loop_is_not_live_and_a_lagging_replica_is_not_ready()
    {
        string[] names = ["node-0", "node-1", "node-2"];
        Func<int, string> ids = number => names[number];
        var timeout = TimeSpan.FromMilliseconds(500);
        var current = new ReplicaStatus("follower", default, 1, 500, 500, 0, 500, TimeSpan.Zero, 0, Paxos.Core.Replication.Membership.OfSize(3), IsRemoved: false);

        Assert.Null(NodeHealth.NotLive(current, TimeSpan.FromSeconds(1)));
        Assert.StartsWith("the replica's loop has not run", NodeHealth.NotLive(current, TimeSpan.FromSeconds(6)), StringComparison.Ordinal);
        Assert.Null(NodeHealth.NotReady(current, ids, timeout));
        Assert.Null(NodeHealth.NotReady(current with { AppliedIndex = 400 }, ids, timeout));
        Assert.Equal("catching up: applied slot 399 of the leader node-1's commit index 500",
            NodeHealth.NotReady(current with { AppliedIndex = 399 }, ids, timeout));
        Assert.Equal("no leader known", NodeHealth.NotReady(current with { LeaderId = -1 }, ids, timeout));
        Assert.Null(NodeHealth.NotReady(current with { LeaderSilence = timeout / 2 }, ids, timeout));
        Assert.NotNull(NodeHealth.NotReady(current with { LeaderSilence = timeout }, ids, timeout));
    }

    /// <summary>Starts every node with a metrics port; returns gRPC health clients that reach each node directly, not through its proxy.</summary>
    private async Task<Health.HealthClient[]> StartAsync()
    {
        _metricsPorts = FreePorts.Take(_cluster.Size);
        for (int node = 0; node < _cluster.Size; node++)
        {
            _cluster.Start(node, arguments: ["--metrics-port", _metricsPorts[node].ToString(CultureInfo.InvariantCulture)]);
        }
        for (int node = 0; node < _cluster.Size; node++)
        {
            await _cluster.WaitListeningAsync(node);
        }
        _direct.AddRange(_cluster.Config.Nodes.Select(n => PeerChannels.Create(new Uri($"http://127.0.0.1:{n.Port}"))));
        return [.. _direct.Select(channel => new Health.HealthClient(channel))];
    }

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(int node, string path)
    {
        using var response = await _http.GetAsync(new Uri($"http://127.0.0.1:{_metricsPorts[node]}{path}"));
        return (response.StatusCode, (await response.Content.ReadAsStringAsync()).TrimEnd('\n'));
    }

    private static async Task<HealthCheckResponse.Types.ServingStatus> CheckAsync(Health.HealthClient client, string service) =>
        (await client.CheckAsync(new HealthCheckRequest { Service = service }, deadline: DateTime.UtcNow.AddSeconds(5))).Status;

    /// <summary>
    /// Polls until node <paramref name="node"/>'s /readyz answers <paramref name="ready"/> and its gRPC
    /// health, overall and for the client API, is <paramref name="serving"/>; returns /readyz's body.
    /// </summary>
    private async Task<string> EventuallyAsync(int node, HttpStatusCode ready, HealthCheckResponse.Types.ServingStatus serving, Health.HealthClient health)
    {
        var deadline = DateTime.UtcNow + Settle;
        while (true)
        {
            var (status, body) = await GetAsync(node, "/readyz");
            var overall = await CheckAsync(health, "");
            var keyValue = await CheckAsync(health, KeyValueService);
            if (status == ready && overall == serving && keyValue == serving)
            {
                return body;
            }
            Assert.True(DateTime.UtcNow < deadline,
                $"node {node}: /readyz {(int)status} \"{body}\", gRPC health {overall} and {keyValue}; expected {(int)ready} and {serving}");
            await Task.Delay(100);
        }
    }
}
