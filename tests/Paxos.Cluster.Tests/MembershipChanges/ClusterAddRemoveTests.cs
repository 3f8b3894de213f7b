using System.Globalization;
using Paxos.Cluster.Tests.Harness;
using Xunit.Abstractions;

namespace Paxos.Cluster.Tests.MembershipChanges;

/// <summary><c>paxos cluster add</c> and <c>paxos cluster remove</c> against a running <c>paxos cluster</c>, as a user tries them.</summary>
public sealed class ClusterAddRemoveTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "paxos-cli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }

    [Fact]
    [Trait("Category", "Membership")]
    public async Task Paxos_cluster_add_grows_the_local_cluster_by_a_voter_and_remove_shrinks_it()
    {
        Directory.CreateDirectory(_root);
        int basePort = FreePorts.TakeConsecutive(4);
        string Url(int k) => $"http://127.0.0.1:{(basePort + k).ToString(CultureInfo.InvariantCulture)}";
        using var cluster = NodeProcess.Start(["cluster", "--nodes", "3", "--base-port", basePort.ToString(CultureInfo.InvariantCulture)], workingDirectory: _root);
        try
        {
            await cluster.EventuallyAsync(() => cluster.Output.Contains("Leader: node-", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            // Client commands run from the same directory find the local cluster's nodes, also those added later.
            Assert.StartsWith("OK index=", await NodeProcess.RunInAsync(_root, 0, "put", "greeting", "hello"), StringComparison.Ordinal);

            string added = await NodeProcess.RunInAsync(_root, 0, "cluster", "add");
            Assert.EndsWith($"node-3 {Url(3)} voter", added, StringComparison.Ordinal);
            Assert.Equal([$"node-0 {Url(0)} voter", $"node-1 {Url(1)} voter", $"node-2 {Url(2)} voter", $"node-3 {Url(3)} voter"],
                (await NodeProcess.RunInAsync(_root, 0, "member", "list")).Split('\n').Order(StringComparer.Ordinal));

            await NodeProcess.RunInAsync(_root, 0, "cluster", "remove", "node-0");
            await cluster.EventuallyAsync(() => cluster.Output.Contains("node-0 (pid", StringComparison.Ordinal) && cluster.Output.Contains("was removed and exited with code 0", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            Assert.Equal([$"node-1 {Url(1)} voter", $"node-2 {Url(2)} voter", $"node-3 {Url(3)} voter"],
                (await NodeProcess.RunInAsync(_root, 0, "member", "list")).Split('\n').Order(StringComparer.Ordinal));
            Assert.Equal("hello", await NodeProcess.RunInAsync(_root, 0, "get", "greeting"));
            Assert.Contains("has no node 'node-9'", await NodeProcess.RunInAsync(_root, 2, "cluster", "remove", "node-9"), StringComparison.Ordinal);

            cluster.Signal(Signals.SigTerm);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await cluster.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, cluster.ExitCode);
        }
        finally
        {
            output.WriteLine(cluster.Output);
            string logs = Path.Combine(_root, "data", "logs");
            foreach (string log in Directory.Exists(logs) ? Directory.GetFiles(logs) : [])
            {
                output.WriteLine($"--- {Path.GetFileName(log)}, last lines:");
                output.WriteLine(string.Join('\n', File.ReadLines(log).TakeLast(15)));
            }
        }
    }
}
