using System.Security.Cryptography.X509Certificates;
using Paxos.Cluster.Tests.Harness;
using Paxos.Node.Configuration;
using Paxos.Node.Hosting;
using Paxos.Node.Security;

namespace Paxos.Cluster.Tests.Security;

/// <summary>The <c>tls</c> and <c>auth</c> blocks of the cluster file: how they are read, and the clear start-up error when their files cannot be used.</summary>
public sealed class TlsConfigurationTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "paxos-tlsconfig-" + Guid.NewGuid().ToString("N"));

    public TlsConfigurationTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Tls_and_auth_paths_are_relative_to_the_files_folder_and_id_names_each_node()
    {
        string folder = Path.Combine(_root, "conf");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "cluster.yaml");
        File.WriteAllText(path, "tls:\n  ca: certs/ca.crt\n  cert: certs/{id}.crt\n  key: /etc/paxos/{id}.key\nauth:\n  tokens: ../tokens.txt\n"
            + "nodes:\n  - id: node-0\n    url: https://10.0.0.1:7000\n");

        var cluster = ClusterFile.Load(path);

        Assert.Equal(Path.Combine(folder, "certs", "ca.crt"), cluster.Tls!.Ca);
        Assert.Equal(Path.Combine(folder, "certs", "node-0.crt"), cluster.Tls.CertFor("node-0"));
        Assert.Equal("/etc/paxos/node-0.key", cluster.Tls.KeyFor("node-0"));
        Assert.Equal(Path.Combine(_root, "tokens.txt"), cluster.Auth!.Tokens);
        Assert.Null(ClusterFile.Parse("nodes:\n  - id: a\n    url: https://h:1\n", "test").Tls);
    }

    [Theory]
    [InlineData("tls:\n  ca: ca.crt\n  key: k\n", "'tls.cert' is missing")]
    [InlineData("tls:\n  ca: ca.crt\n  cert: c\n  key: ''\n", "'tls.key' is missing")]
    [InlineData("auth:\n  tokens:\n", "'auth.tokens' is missing")]
    public void A_tls_or_auth_block_without_a_path_is_a_clear_error(string block, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => ClusterFile.Parse(block + "nodes:\n  - id: a\n    url: https://h:1\n", "test"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_tls_an_http_url_is_a_clear_error()
    {
        var error = Assert.Throws<ConfigException>(() => ClusterFile.Parse("tls:\n  ca: a\n  cert: c\n  key: k\nnodes:\n  - id: a\n    url: http://h:1\n", "test"));
        Assert.Contains("needs an https:// url", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_whose_tls_or_auth_files_cannot_be_used_does_not_start_and_names_them()
    {
        int port = FreePorts.Take(1)[0];
        var nodes = new[] { new NodeEntry("node-0", new Uri($"https://127.0.0.1:{port}"), port) };
        var good = new ClusterConfig(nodes);
        string certs = Path.Combine(_root, "certs");
        DevelopmentCertificates.Write(good, certs);
        var tls = new TlsSettings(Path.Combine(certs, "ca.crt"), Path.Combine(certs, "{id}.crt"), Path.Combine(certs, "{id}.key"));
        string tokens = Path.Combine(_root, "tokens.txt");

        // A missing certificate file.
        await AssertRefusedAsync(new ClusterConfig(nodes) { Tls = tls with { Cert = Path.Combine(certs, "missing-{id}.crt") } }, "missing-node-0.crt");
        // A node certificate of another CA.
        string other = Path.Combine(_root, "other");
        DevelopmentCertificates.Write(good, other);
        await AssertRefusedAsync(new ClusterConfig(nodes) { Tls = tls with { Ca = Path.Combine(other, "ca.crt") } }, "not a valid certificate of the CA");
        // A certificate for clients only, and one that names another node.
        await AssertRefusedAsync(new ClusterConfig(nodes) { Tls = tls with { Cert = Path.Combine(certs, "client.crt"), Key = Path.Combine(certs, "client.key") } }, "for both server and client authentication");
        using (var ca = X509Certificate2.CreateFromPemFile(tls.Ca, Path.Combine(certs, "ca.key")))
        using (var stranger = DevelopmentCertificates.Issue(ca, "node-9", ["127.0.0.1"], clientOnly: false, DateTimeOffset.UtcNow))
        {
            DevelopmentCertificates.WritePair(stranger, Path.Combine(certs, "node-9.crt"), Path.Combine(certs, "node-9.key"));
        }
        await AssertRefusedAsync(new ClusterConfig(nodes) { Tls = tls with { Cert = Path.Combine(certs, "node-9.crt"), Key = Path.Combine(certs, "node-9.key") } }, "does not name node 'node-0'");
        // A tokens file that is missing, or has a line that is not NAME TOKEN.
        await AssertRefusedAsync(new ClusterConfig(nodes) { Tls = tls, Auth = new AuthSettings(tokens) }, "auth.tokens: cannot read");
        File.WriteAllText(tokens, "ops 0123456789abcdef0123\nthis line has three\n");
        await AssertRefusedAsync(new ClusterConfig(nodes) { Tls = tls, Auth = new AuthSettings(tokens) }, "line 2: expected 'NAME TOKEN'");
    }

    [Fact]
    public void A_token_is_accepted_only_whole_and_as_a_bearer_token()
    {
        var tokens = ClientTokens.Parse("# operators\nops 0123456789abcdef\n\nci   fedcba9876543210fedcba\n", "test");

        Assert.Equal(2, tokens.Count);
        Assert.True(tokens.Accepts("Bearer 0123456789abcdef"));
        Assert.True(tokens.Accepts("bearer fedcba9876543210fedcba"));
        Assert.False(tokens.Accepts("Bearer 0123456789abcde"));
        Assert.False(tokens.Accepts("Bearer 0123456789abcdef0"));
        Assert.False(tokens.Accepts("Basic 0123456789abcdef"));
        Assert.False(tokens.Accepts("0123456789abcdef"));
        Assert.False(tokens.Accepts(null));
        Assert.Contains("at least 16", Assert.Throws<ConfigException>(() => ClientTokens.Parse("ops short\n", "test")).Message, StringComparison.Ordinal);
        Assert.Contains("appears twice", Assert.Throws<ConfigException>(() => ClientTokens.Parse("a 0123456789abcdef\na fedcba9876543210\n", "test")).Message, StringComparison.Ordinal);
    }

    private async Task AssertRefusedAsync(ClusterConfig cluster, string expected)
    {
        var options = new NodeOptions(cluster, "node-0", Path.Combine(_root, "data-" + Guid.NewGuid().ToString("N")));
        var error = await Assert.ThrowsAsync<ConfigException>(() => PaxosNodeHost.StartAsync(options, CancellationToken.None));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
