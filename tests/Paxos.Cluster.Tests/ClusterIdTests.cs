using Paxos.Node.Configuration;
using Paxos.Node.Hosting;
using Paxos.Storage;

namespace Paxos.Cluster.Tests;

/// <summary>The cluster id: founded alike by every node from the cluster file, then kept in the data directory whatever the file says.</summary>
public sealed class ClusterIdTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "paxos-cluster-id-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static ClusterConfig Config(string token = "", params string[] ids) => new(
        [.. (ids.Length > 0 ? ids : ["a", "b", "c"]).Select((id, i) => new NodeEntry(id, new Uri($"http://10.0.0.{i + 1}:7000"), 7000))], token);

    [Fact]
    public void Every_founding_node_derives_the_same_id_and_other_files_derive_others()
    {
        var parsed = ClusterFile.Parse(ClusterFile.Render(Config("t")), "cluster.yaml");
        Assert.Equal(ClusterId.Founding(Config("t")), ClusterId.Founding(parsed));
        Assert.Equal("t", parsed.ClusterToken);

        var ids = new[]
        {
            ClusterId.Founding(Config()),
            ClusterId.Founding(Config("t")),
            ClusterId.Founding(Config("", "b", "a", "c")),
            ClusterId.Founding(new ClusterConfig([.. Config().Nodes.Select(n => n with { Url = new Uri($"https://{n.Url.Host}:7000") })])),
        };
        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.True(ClusterId.TryParse(ids[0].ToString(), out var back) && back == ids[0]);
    }

    [Theory]
    [InlineData("cluster_token: 'it''s ours'\nnodes:\n  - id: a\n    url: http://h:1\n", "it's ours")]
    [InlineData("nodes:\n  - id: a\n    url: http://h:1\n", "")]
    public void The_cluster_file_reads_an_optional_cluster_token(string yaml, string token)
    {
        var config = ClusterFile.Parse(yaml, "f");
        Assert.Equal(token, config.ClusterToken);
        Assert.Equal(token, ClusterFile.Parse(ClusterFile.Render(config), "f").ClusterToken);
    }

    [Fact]
    public void A_cluster_token_with_control_characters_is_a_clear_error()
    {
        var error = Assert.Throws<ConfigException>(() => ClusterFile.Parse("cluster_token: \"a\\nb\"\nnodes:\n  - id: a\n    url: http://h:1\n", "f"));
        Assert.Contains("cluster_token", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Membership changes will change the nodes; the id a cluster was founded with must not change with them.</summary>
    [Fact]
    public void The_stored_id_stands_when_the_file_changes()
    {
        var founded = ClusterIdFile.LoadOrFound(_root, Config());
        Assert.Equal(ClusterId.Founding(Config()), founded);
        Assert.True(File.Exists(Path.Combine(_root, ClusterIdFile.FileName)));

        Assert.Equal(founded, ClusterIdFile.LoadOrFound(_root, Config("", "a", "b", "c", "d", "e")));
    }

    [Theory]
    [InlineData(20)]
    [InlineData(50)]
    [InlineData(-1)]
    public void A_damaged_id_file_is_detected_by_its_checksum(int flip)
    {
        ClusterIdFile.LoadOrFound(_root, Config());
        string path = Path.Combine(_root, ClusterIdFile.FileName);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, flip < 0 ? bytes[..^3] : [.. bytes[..flip], (byte)(bytes[flip] ^ 0x01), .. bytes[(flip + 1)..]]);

        var error = Assert.Throws<StorageCorruptionException>(() => ClusterIdFile.LoadOrFound(_root, Config()));

        Assert.Equal(path, error.FilePath);
    }
}
