using System.Text;
using CsCheck;
using Paxos.Fuzz.Afl;
using Paxos.Node.Configuration;
using Paxos.Node.Hosting;
using Paxos.Storage;
using Xunit.Abstractions;

namespace Paxos.Fuzz.Tests;

/// <summary>What a node reads before it starts: the cluster file, and the cluster id file in its data directory.</summary>
public sealed class ConfigurationFuzzTests(ITestOutputHelper output)
{
    private static readonly IReadOnlyList<string> Files = ClusterFileTarget.Files;

    /// <summary>A file that is not a usable cluster file is a <see cref="ConfigException"/>, the start-up error that names it, and nothing else.</summary>
    [Fact]
    public void A_cluster_file_parses_or_is_a_clear_configuration_error()
    {
        var target = ClusterFileTarget.Target;
        Fuzz.Check(output, Mutations.Of(target.Seeds), bytes => bytes.Length, target.Take, iterations: 3_000, target.Refusals);
    }

    /// <summary>Aliases that would expand to billions of nodes ("billion laughs") are refused or ignored, never expanded.</summary>
    [Fact]
    public void A_file_of_nested_aliases_is_not_expanded()
    {
        var yaml = new StringBuilder("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int level = 1; level < 9; level++)
        {
            yaml.Append($"l{level}: &l{level} [{string.Join(", ", Enumerable.Repeat($"*l{level - 1}", 10))}]\n");
        }
        yaml.Append("nodes:\n  - id: a\n    url: http://h:1\n");
        foreach (string file in new[] { yaml.ToString(), yaml.ToString().Replace("nodes:\n  - id: a\n    url: http://h:1\n", "nodes: [*l8]\n", StringComparison.Ordinal) })
        {
            Fuzz.Check(output, Gen.Const(Encoding.UTF8.GetBytes(file)), bytes => bytes.Length,
                bytes => ClusterFile.Parse(Encoding.UTF8.GetString(bytes), "laughs.yaml"), iterations: 1, typeof(ConfigException));
        }
    }

    [Fact]
    public void A_cluster_id_file_reads_back_its_id_or_is_corrupt()
    {
        var id = ClusterId.Founding(ClusterFile.Parse(Files[0], "f"));
        byte[][] seeds = [ClusterIdFile.Render(id)];
        Fuzz.Check(output, Mutations.Of(seeds, maxRandomLength: 80), bytes => bytes.Length, bytes =>
        {
            var read = ClusterIdFile.Parse(bytes, "cluster-id");
            Assert.Equal(bytes, ClusterIdFile.Render(read));
        }, iterations: 5_000, typeof(StorageCorruptionException));
    }
}
