using Paxos.Cluster.Tests.Harness;
using Paxos.Node.Configuration;
using Paxos.Node.Hosting;

namespace Paxos.Cluster.Tests;

public class ClusterFileTests
{
    [Fact]
    public void The_seed_deployment_file_is_read_as_is()
    {
        var cluster = ClusterFile.Load(RepositoryFiles.Path("deploy/cluster.yaml"));
        Assert.Equal(5, cluster.Size);
        Assert.Equal(["node-0", "node-1", "node-2", "node-3", "node-4"], cluster.Nodes.Select(n => n.Id));
        Assert.All(cluster.Nodes, n => Assert.Equal(8080, n.Port));
        Assert.Equal(new Uri("https://paxos-sub123-node3.run.app"), cluster.Nodes[3].Url);
        Assert.Equal(3, cluster.IndexOf("node-3"));
    }

    /// <summary>deploy/compose.yaml runs one container per node of deploy/cluster.compose.yaml: ids, names, ports and metrics ports agree.</summary>
    [Fact]
    public void The_compose_file_runs_every_node_of_its_cluster_file_on_the_port_the_file_names()
    {
        var cluster = ClusterFile.Load(RepositoryFiles.Path("deploy/cluster.compose.yaml"));
        var compose = new YamlDotNet.Serialization.Deserializer().Deserialize<Dictionary<string, object>>(File.ReadAllText(RepositoryFiles.Path("deploy/compose.yaml")));
        var services = (Dictionary<object, object>)compose["services"];

        Assert.Equal(5, cluster.Size);
        Assert.Equal(cluster.Nodes.Select(n => n.Url.Host).Order(), services.Keys.Cast<string>().Order());
        foreach (var node in cluster.Nodes)
        {
            var service = (Dictionary<object, object>)services[node.Url.Host];
            var command = ((List<object>)service["command"]).Cast<string>().ToList();
            Assert.Equal(node.Id, command[command.IndexOf("--id") + 1]);
            Assert.Equal("/etc/paxos/cluster.yaml", command[command.IndexOf("--config") + 1]);
            Assert.Contains("./cluster.compose.yaml:/etc/paxos/cluster.yaml:ro", ((List<object>)service["volumes"]).Cast<string>());
            var ports = ((List<object>)service["ports"]).Cast<string>().ToList();
            Assert.Equal(2, ports.Count);
            Assert.EndsWith($":{node.Port}", ports[0], StringComparison.Ordinal);
            Assert.EndsWith($":{command[command.IndexOf("--metrics-port") + 1]}", ports[1], StringComparison.Ordinal);
            Assert.Equal(node.Port, node.Url.Port);
        }
    }

    [Fact]
    public void The_local_example_is_what_paxos_cluster_writes()
    {
        var example = ClusterFile.Load(RepositoryFiles.Path("deploy/cluster.local.yaml"));
        var written = new ClusterConfig([.. Enumerable.Range(0, 5).Select(i => new NodeEntry($"node-{i}", new Uri($"http://127.0.0.1:{7000 + i}"), 7000 + i))]);
        Assert.Equal(ClusterFile.Render(written), ClusterFile.Render(example));
    }

    [Fact]
    public void Unknown_keys_are_ignored_and_the_port_defaults_to_the_url_port()
    {
        var cluster = ClusterFile.Parse("version: 3\nnodes:\n  - id: a\n    url: http://10.0.0.1:9000\n    zone: eu\n", "test");
        Assert.Equal(9000, cluster.Nodes[0].Port);
    }

    /// <summary>The limits block sets what it names, keeps the defaults for the rest, and the node takes it; rendering keeps it.</summary>
    [Fact]
    public void The_limits_block_sets_the_servers_limits_and_survives_rendering()
    {
        const string Yaml = "limits:\n  max_connections_per_client: 64\n  max_client_request_bytes_in_flight: 1000000\n  response_write_timeout_seconds: 5\n" +
            "nodes:\n  - id: a\n    url: http://10.0.0.1:9000\n";
        var cluster = ClusterFile.Parse(Yaml, "test");

        var expected = new ServerLimits { MaxConnectionsPerClient = 64, MaxClientRequestBytesInFlight = 1_000_000, ResponseWriteTimeout = TimeSpan.FromSeconds(5) };
        Assert.Equal(expected, cluster.Limits);
        Assert.Equal(expected, new NodeOptions(cluster, "a", "data").Limits);
        Assert.Equal(expected, ClusterFile.Parse(ClusterFile.Render(cluster), "rendered").Limits);
        Assert.Equal(new ServerLimits(), new NodeOptions(ClusterFile.Parse("nodes:\n  - id: a\n    url: http://h:1\n", "test"), "a", "data").Limits);
    }

    [Theory]
    [InlineData("limits:\n  max_client_calls_in_flight_per_client: 0\nnodes:\n  - id: a\n    url: http://h:1\n", "'limits.max_client_calls_in_flight_per_client' is 0, which is not in 1..2147483647")]
    [InlineData("limits:\n  max_connections: 4294967296\nnodes:\n  - id: a\n    url: http://h:1\n", "'limits.max_connections' is 4294967296")]
    [InlineData("limits:\n  response_write_timeout_seconds: 7200\nnodes:\n  - id: a\n    url: http://h:1\n", "not in 1..3600")]
    [InlineData("limits:\n  max_client_streams: 99999999999999999999\nnodes:\n  - id: a\n    url: http://h:1\n", "not a valid cluster file")]
    [InlineData("limits: 7\nnodes:\n  - id: a\n    url: http://h:1\n", "not a valid cluster file")]
    [InlineData("limits:\n  max_client_streams: many\nnodes:\n  - id: a\n    url: http://h:1\n", "not a valid cluster file")]
    [InlineData("", "'nodes' is missing or empty")]
    [InlineData("nodes:\n  - id: a\n    url: http://h:1\n    port: 70000\n", "not in 1..65535")]
    [InlineData("nodes:\n  - id: a\n    url: ftp://h/\n", "not an http:// or https:// URL")]
    public void Bad_files_are_clear_errors(string yaml, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => ClusterFile.Parse(yaml, "test"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
