using System.Diagnostics;
using Paxos.Cluster.Tests.Harness;
using Xunit.Abstractions;

namespace Paxos.Cluster.Tests;

/// <summary>The main job as a user runs it: <c>paxos cluster</c>, then the client commands, a node killed, nodes added and removed, Ctrl+C.</summary>
public sealed class ClusterCommandTests(ITestOutputHelper output) : IDisposable
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
    public async Task Paxos_cluster_serves_the_client_commands_survives_a_kill_and_stops_every_node_on_SIGTERM()
    {
        int basePort = FreePorts.TakeConsecutive(5);
        string data = Path.Combine(_root, "data");
        using var cluster = NodeProcess.Start(["cluster", "--data-dir", data, "--base-port", basePort.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        try
        {
            await cluster.EventuallyAsync(() => cluster.Output.Contains("Leader: node-", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            string endpoints = string.Join(",", Enumerable.Range(0, 5).Select(i => $"http://127.0.0.1:{basePort + i}"));

            Assert.StartsWith("OK index=", await NodeProcess.RunAsync(0, "put", "greeting", "hello", "--endpoints", endpoints));
            Assert.Equal("hello", await NodeProcess.RunAsync(0, "get", "greeting", "--endpoints", endpoints));
            Assert.Contains("leader", await NodeProcess.RunAsync(0, "status", "--endpoints", endpoints));

            int[] pids = [.. cluster.Output.Split('\n').Where(l => l.Contains(" pid ", StringComparison.Ordinal))
                .Select(l => int.Parse(l.Split(" pid ")[1].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture))];
            Assert.Equal(5, pids.Length);
            Signals.Send(pids[2], Signals.SigKill);
            await cluster.EventuallyAsync(() => cluster.Output.Contains("exited with code 137", StringComparison.Ordinal), TimeSpan.FromSeconds(10));

            Assert.StartsWith("OK index=", await NodeProcess.RunAsync(0, "put", "greeting", "still-here", "--endpoints", endpoints));
            Assert.Equal("still-here", await NodeProcess.RunAsync(0, "get", "greeting", "--endpoints", endpoints));
            Assert.Contains("not found", await NodeProcess.RunAsync(1, "get", "missing", "--endpoints", endpoints));
            Assert.Contains("--endpoints", await NodeProcess.RunAsync(0, "put", "--help"));

            cluster.Signal(Signals.SigTerm);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await cluster.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, cluster.ExitCode);
            foreach (int pid in pids)
            {
                Assert.True(IsGone(pid), $"node process {pid} outlived 'paxos cluster'");
            }
        }
        finally
        {
            ShowOutputAndLogs(cluster, data);
        }
    }

    [Fact]
    [Trait("Category", "Membership")]
    public async Task Paxos_cluster_add_grows_the_local_cluster_by_a_voter_and_remove_shrinks_it()
    {
        Directory.CreateDirectory(_root);
        int basePort = FreePorts.TakeConsecutive(4);
        string Url(int k) => $"http://127.0.0.1:{(basePort + k).ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        using var cluster = NodeProcess.Start(["cluster", "--nodes", "3", "--base-port", basePort.ToString(System.Globalization.CultureInfo.InvariantCulture)], workingDirectory: _root);
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
            await cluster.EventuallyAsync(() => cluster.Output.Contains("node-0 (pid", StringComparison.Ordinal) && cluster.Output.Contains("was removed and exited with code 0", StringComparison.Ordinal),
                TimeSpan.FromSeconds(60));
            Assert.DoesNotContain("has not stopped by itself", cluster.Output, StringComparison.Ordinal);
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
            ShowOutputAndLogs(cluster, Path.Combine(_root, "data"));
        }
    }

    /// <summary>The supervisor's output, and why a node exited if one did: its log is deleted with the test's folder.</summary>
    private void ShowOutputAndLogs(NodeProcess cluster, string data)
    {
        output.WriteLine(cluster.Output);
        foreach (string log in Directory.Exists(Path.Combine(data, "logs")) ? Directory.GetFiles(Path.Combine(data, "logs")) : [])
        {
            output.WriteLine($"--- {Path.GetFileName(log)}, last lines:");
            output.WriteLine(string.Join('\n', File.ReadLines(log).TakeLast(15)));
        }
    }

    private static bool IsGone(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
