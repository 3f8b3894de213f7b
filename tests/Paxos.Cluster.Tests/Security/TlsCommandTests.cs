using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Paxos.Cluster.Tests.Harness;
using Paxos.Transport.Security;
using Xunit.Abstractions;

namespace Paxos.Cluster.Tests.Security;

/// <summary><c>paxos certs</c>, and <c>paxos cluster --tls</c> with the client commands as a user runs them.</summary>
public sealed class TlsCommandTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "paxos-tlscli-" + Guid.NewGuid().ToString("N"))).FullName;

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
    public async Task Paxos_certs_writes_a_CA_and_pairs_that_chain_to_it_and_name_each_node_and_its_host()
    {
        string config = Path.Combine(_root, "cluster.yaml");
        File.WriteAllText(config, "nodes:\n  - id: node-0\n    url: https://127.0.0.1:7000\n  - id: db-1\n    url: https://db1.example.org:7001\n  - id: node_2\n    url: https://10.1.2.3:7002\n");
        string certs = Path.Combine(_root, "certs");

        await PaxosAsync(0, ["certs", "--config", config, "--out", certs]);

        using var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(certs, "ca.crt"));
        Assert.True(ca.Extensions["2.5.29.19"] is X509BasicConstraintsExtension { CertificateAuthority: true });
        foreach (var (id, host) in new[] { ("node-0", "127.0.0.1"), ("db-1", "db1.example.org"), ("node_2", "10.1.2.3") })
        {
            using var pair = ClusterCertificates.LoadPair(Path.Combine(certs, id + ".crt"), Path.Combine(certs, id + ".key"));
            Assert.True(ClusterCertificates.IsIssuedBy(pair, ca, null, ClusterCertificates.ServerAuthentication), id);
            Assert.True(ClusterCertificates.IsIssuedBy(pair, ca, null, ClusterCertificates.ClientAuthentication), id);
            Assert.Contains(id, ClusterCertificates.NamesOf(pair));
            var names = pair.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
            Assert.Contains(host, names.EnumerateDnsNames().Concat(names.EnumerateIPAddresses().Select(a => a.ToString())));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(certs, id + ".key")));
            }
        }
        using (var client = ClusterCertificates.LoadPair(Path.Combine(certs, "client.crt"), Path.Combine(certs, "client.key")))
        {
            Assert.True(ClusterCertificates.IsIssuedBy(client, ca, null, ClusterCertificates.ClientAuthentication));
            Assert.False(ClusterCertificates.IsIssuedBy(client, ca, null, ClusterCertificates.ServerAuthentication));
            Assert.DoesNotContain("node-0", ClusterCertificates.NamesOf(client));
        }

        // Again on the same folder: the CA stays, the pairs are issued anew (a rotation).
        byte[] node0 = File.ReadAllBytes(Path.Combine(certs, "node-0.crt"));
        Assert.Contains("Kept the CA", await PaxosAsync(0, ["certs", "--config", config, "--out", certs]));
        Assert.Equal(ca.RawData, X509CertificateLoader.LoadCertificateFromFile(Path.Combine(certs, "ca.crt")).RawData);
        Assert.NotEqual(node0, File.ReadAllBytes(Path.Combine(certs, "node-0.crt")));

        File.WriteAllText(config, "nodes:\n  - id: client\n    url: https://127.0.0.1:7000\n");
        Assert.Contains("may not be called 'client'", await PaxosAsync(2, ["certs", "--config", config, "--out", certs]));
    }

    [Fact]
    public async Task A_tls_cluster_with_tokens_elects_a_leader_and_serves_the_client_commands_that_find_its_certificates()
    {
        int basePort = FreePorts.TakeConsecutive(3);
        using var cluster = NodeProcess.Start(["cluster", "--tls", "--nodes", "3", "--base-port", basePort.ToString(CultureInfo.InvariantCulture)], workingDirectory: _root);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!cluster.Output.Contains("Leader: node-", StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline && !cluster.HasExited, "no leader in time:\n" + cluster.Output);
                await Task.Delay(100);
            }
            Assert.Contains($"url: https://127.0.0.1:{basePort}", File.ReadAllText(Path.Combine(_root, "data", "cluster.yaml")), StringComparison.Ordinal);

            // From the folder 'paxos cluster' ran in, the client commands take CA, client pair and token from data/cluster.yaml.
            Assert.StartsWith("OK index=", await PaxosAsync(0, ["put", "greeting", "hello"]));
            Assert.Equal("hello", await PaxosAsync(0, ["get", "greeting"]));
            Assert.Contains("Unauthenticated", await PaxosAsync(1, ["get", "greeting", "--token", "not-the-token-0123456789"]));
            Assert.Contains("TLS with", await PaxosAsync(2, ["get", "greeting", "--endpoints", $"https://127.0.0.1:{basePort}"]));
            string token = File.ReadAllText(Path.Combine(_root, "data", "certs", "tokens.txt")).Split(' ')[1].Trim();
            string certs = Path.Combine(_root, "data", "certs");
            Assert.Equal("hello", await PaxosAsync(0, ["get", "greeting", "--endpoints", $"https://127.0.0.1:{basePort + 1}",
                "--cacert", Path.Combine(certs, "ca.crt"), "--cert", Path.Combine(certs, "client.crt"), "--key", Path.Combine(certs, "client.key"), "--token", token]));

            cluster.Signal(Signals.SigTerm);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await cluster.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, cluster.ExitCode);
        }
        finally
        {
            output.WriteLine(cluster.Output);
        }
    }

    /// <summary>Runs <c>paxos</c> in the test's folder; returns its output; asserts its exit code.</summary>
    private async Task<string> PaxosAsync(int expectedExitCode, string[] arguments)
    {
        using var process = NodeProcess.Start(arguments, workingDirectory: _root);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(expectedExitCode == process.ExitCode, $"paxos {string.Join(' ', arguments)} exited with {process.ExitCode}: {process.Output}");
        return process.Output.Trim();
    }
}
