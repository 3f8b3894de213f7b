namespace Paxos.Bench.Tests;

public class EndpointListTests
{
    [Fact]
    public void The_urls_of_a_cluster_file_are_its_nodes_in_order()
    {
        string[] yaml =
        [
            "# written by paxos cluster",
            "nodes:",
            "  - id: node-0",
            "    url: http://127.0.0.1:7100    # how peers and clients reach this node",
            "    port: 7100",
            "  - url: \"http://127.0.0.1:7101\"",
            "    id: node-1",
            "    port: 7101",
        ];

        var urls = EndpointList.FromClusterYaml(yaml, "cluster.yaml");

        Assert.Equal([new Uri("http://127.0.0.1:7100"), new Uri("http://127.0.0.1:7101")], urls);
    }

    [Fact]
    public void A_cluster_file_without_urls_is_refused()
    {
        Assert.Throws<BenchUsageException>(() => EndpointList.FromClusterYaml(["nodes: []"], "cluster.yaml"));
    }

    [Fact]
    public void A_missing_cluster_file_is_refused_with_a_hint()
    {
        var e = Assert.Throws<BenchUsageException>(() => EndpointList.FromClusterFile(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "cluster.yaml")));
        Assert.Contains("paxos cluster", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_list_of_endpoints_is_split_on_commas()
    {
        Assert.Equal([new Uri("http://a:1"), new Uri("https://b:2")], EndpointList.Parse(" http://a:1 , https://b:2,"));
    }
}
