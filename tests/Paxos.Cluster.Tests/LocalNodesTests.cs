using Paxos.Cli.Commands;
using Paxos.Node.Configuration;

namespace Paxos.Cluster.Tests;

/// <summary>
/// The stamp <c>paxos cluster</c> polls the local cluster's files with: it reloads them only when the
/// stamp changes, so every change <c>paxos cluster add|remove</c> makes must change it.
/// </summary>
public sealed class LocalNodesTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "paxos-local-nodes-" + Guid.NewGuid().ToString("N"));

    public LocalNodesTests()
    {
        Directory.CreateDirectory(_dir);
        var founding = new ClusterConfig([.. Enumerable.Range(0, 3).Select(i => new NodeEntry($"node-{i}", new Uri($"http://127.0.0.1:{7500 + i}"), 7500 + i))]);
        File.WriteAllText(Path.Combine(_dir, LocalNodes.ClusterFileName), ClusterFile.Render(founding));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_stamp_stays_while_nothing_changes()
    {
        Assert.Equal(LocalNodes.Stamp(_dir), LocalNodes.Stamp(_dir));
    }

    [Fact]
    public void Adding_a_node_changes_the_stamp_and_a_second_one_changes_it_again()
    {
        string before = LocalNodes.Stamp(_dir);
        var nodes = LocalNodes.Load(_dir);
        nodes.WriteJoinFile(nodes.Next());
        string afterOne = LocalNodes.Stamp(_dir);
        Assert.NotEqual(before, afterOne);

        nodes = LocalNodes.Load(_dir);
        Assert.Equal("node-3", Assert.Single(nodes.Added).Id);
        nodes.WriteJoinFile(nodes.Next());
        Assert.NotEqual(afterOne, LocalNodes.Stamp(_dir));
        Assert.Equal(["node-3", "node-4"], LocalNodes.Load(_dir).Added.Select(node => node.Id));
    }

    [Fact]
    public void Removing_nodes_changes_the_stamp_each_time()
    {
        var nodes = LocalNodes.Load(_dir);
        string before = LocalNodes.Stamp(_dir);
        nodes.MarkRemoved("node-1");
        string afterOne = LocalNodes.Stamp(_dir);
        Assert.NotEqual(before, afterOne);
        nodes.MarkRemoved("node-2");
        Assert.NotEqual(afterOne, LocalNodes.Stamp(_dir));
        Assert.Equal(["node-0"], LocalNodes.Load(_dir).Current.Select(node => node.Id));
    }

    [Fact]
    public void Rewriting_the_cluster_file_changes_the_stamp()
    {
        string path = Path.Combine(_dir, LocalNodes.ClusterFileName);
        string before = LocalNodes.Stamp(_dir);
        File.AppendAllText(path, "# edited\n");
        Assert.NotEqual(before, LocalNodes.Stamp(_dir));
    }
}
