using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Paxos.Cluster.Tests.Harness;
using Xunit.Abstractions;

namespace Paxos.Cluster.Tests;

/// <summary>
/// The shipped program plants no faults: failpoints live only in the test host <c>paxos-test-node</c>
/// (tests/Paxos.TestNode), which the harness starts for the tests that need them.
/// </summary>
public sealed class ShippedProgramTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] FailpointNames = ["PAXOS_FAILPOINTS", "stale-reads", "stall-after-accepts", "failpoint"];

    private readonly LocalCluster _cluster = new(output, size: 1);

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public void No_assembly_of_the_paxos_program_names_a_failpoint()
    {
        // The program's own assemblies, as its deps file lists them (the same sources `dotnet publish src/Paxos.Cli` ships).
        using var deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "paxos.deps.json")));
        var projects = deps.RootElement.GetProperty("libraries").EnumerateObject()
            .Where(library => library.Value.GetProperty("type").GetString() == "project")
            .Select(library => library.Name.Split('/')[0])
            .ToList();
        Assert.Contains("paxos", projects);
        Assert.Contains("Paxos.Node", projects);
        Assert.DoesNotContain("paxos-test-node", projects);

        foreach (string project in projects)
        {
            string text = ReadAsLowerCase(Path.Combine(AppContext.BaseDirectory, project + ".dll"));
            foreach (string name in FailpointNames)
            {
                Assert.False(text.Contains(name.ToLowerInvariant(), StringComparison.Ordinal), $"{project}.dll names '{name}'");
            }
        }
    }

    [Fact]
    public async Task PAXOS_FAILPOINTS_in_the_environment_of_paxos_node_changes_nothing()
    {
        // Once, a malformed value stopped the node at start and "stale-reads" turned linearizable reads off.
        using var node = NodeProcess.Start(
            ["node", "--config", _cluster.ConfigPath, "--id", _cluster.Config.Nodes[0].Id, "--data-dir", _cluster.DataDirectory(0)],
            environment: new Dictionary<string, string> { ["PAXOS_FAILPOINTS"] = "stale-reads,no-such-failpoint" });

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await IsListeningAsync(_cluster.Config.Nodes[0].Port))
        {
            Assert.False(node.HasExited, $"paxos node exited with code {(node.HasExited ? node.ExitCode : 0)}:\n{node.Output}");
            Assert.True(DateTime.UtcNow < deadline, "paxos node did not start listening");
            await Task.Delay(100);
        }

        Assert.DoesNotContain("failpoint", node.Output, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The file's bytes as text, ASCII letters lower-cased, with UTF-16 strings (the metadata's user strings) read as such too.</summary>
    private static string ReadAsLowerCase(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        return (Encoding.Latin1.GetString(bytes) + "\n" + Encoding.Unicode.GetString(bytes) + "\n" + Encoding.Unicode.GetString(bytes, 1, bytes.Length - 1))
            .ToLowerInvariant();
    }

    private static async Task<bool> IsListeningAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
