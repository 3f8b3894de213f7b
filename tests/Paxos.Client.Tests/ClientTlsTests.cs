extern alias client;

using System.Security.Cryptography.X509Certificates;
using client::Paxos.Client;
using Grpc.Core;
using Paxos.Cluster.Tests.Harness;
using Paxos.Node.Configuration;
using Paxos.Node.Hosting;
using Paxos.Node.Security;

namespace Paxos.Client.Tests;

/// <summary><see cref="PaxosClient"/> against a one-node cluster with mutual TLS and tokens, run in this process.</summary>
public sealed class ClientTlsTests : IAsyncLifetime
{
    private const string Token = "client-tests-token-0123456789";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "paxos-client-tls-" + Guid.NewGuid().ToString("N"));
    private readonly ClusterConfig _cluster;
    private PaxosNodeHost? _host;

    public ClientTlsTests()
    {
        int port = FreePorts.Take(1)[0];
        string certs = Path.Combine(_root, "certs");
        _cluster = new ClusterConfig([new NodeEntry("node-0", new Uri($"https://127.0.0.1:{port}"), port)])
        {
            Tls = new TlsSettings(Path.Combine(certs, "ca.crt"), Path.Combine(certs, "{id}.crt"), Path.Combine(certs, "{id}.key")),
            Auth = new AuthSettings(Path.Combine(certs, "tokens.txt")),
        };
        DevelopmentCertificates.Write(_cluster, certs);
        File.WriteAllText(_cluster.Auth.Tokens, $"app {Token}\n");
    }

    public async Task InitializeAsync() =>
        _host = await PaxosNodeHost.StartAsync(new NodeOptions(_cluster, "node-0", Path.Combine(_root, "node-0")), CancellationToken.None);

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task With_the_clusters_CA_a_client_certificate_and_a_token_every_call_is_served()
    {
        await using var client = Client(Token);

        var put = await client.PutAsync("greeting", "hello");
        var got = await client.GetAsync("greeting");

        Assert.True(got.Found);
        Assert.Equal("hello", got.ValueAsString());
        Assert.Equal(put.Index, got.Index);
    }

    [Fact]
    public async Task Without_the_token_or_with_the_wrong_CA_a_call_fails_at_once_and_says_why()
    {
        await using (var tokenless = Client(token: null))
        {
            var refused = await Assert.ThrowsAsync<PaxosRpcException>(() => tokenless.GetAsync("greeting"));
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        }

        using var otherCa = DevelopmentCertificates.CreateCa("another CA", DateTimeOffset.UtcNow);
        await using var stranger = Client(Token, ca: otherCa);
        var started = DateTime.UtcNow;
        var failed = await Assert.ThrowsAsync<PaxosRpcException>(() => stranger.GetAsync("greeting"));
        Assert.Contains("TLS handshake failed", failed.Message, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "a refused certificate is not retried until the deadline");
    }

    private PaxosClient Client(string? token, X509Certificate2? ca = null) => new(new PaxosClientOptions
    {
        Endpoints = [_cluster.Nodes[0].Url],
        CaCertificate = ca ?? X509Certificate2.CreateFromPem(File.ReadAllText(_cluster.Tls!.Ca)),
        ClientCertificate = X509Certificate2.CreateFromPemFile(_cluster.Tls!.CertFor("client"), _cluster.Tls.KeyFor("client")),
        Token = token,
        Timeout = TimeSpan.FromSeconds(20),
    });
}
