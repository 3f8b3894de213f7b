using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Paxos.Cluster.Tests.Harness;
using Paxos.Node.Configuration;
using Paxos.Node.Hosting;
using Paxos.Node.Security;
using Paxos.Transport.Security;

namespace Paxos.Cluster.Tests.Security;

/// <summary>
/// Node <c>node-0</c> of a three-node cluster file with <c>tls</c> and <c>auth</c>, run in this
/// process (its peers never start: what is tested is how it treats whoever connects), and the
/// certificates of the cluster's CA and of another CA to connect with.
/// </summary>
public sealed class TlsNode : IAsyncLifetime
{
    public const string Token = "token-of-the-tests-0123456789";

    private PaxosNodeHost? _host;

    public TlsNode()
    {
        Root = Path.Combine(Path.GetTempPath(), "paxos-tls-" + Guid.NewGuid().ToString("N"));
        Certificates = Path.Combine(Root, "certs");
        Directory.CreateDirectory(Certificates);
        int[] ports = FreePorts.Take(4);
        MetricsPort = ports[3];
        Cluster = new ClusterConfig([.. Enumerable.Range(0, 3).Select(i => new NodeEntry($"node-{i}", new Uri($"https://127.0.0.1:{ports[i]}"), ports[i]))])
        {
            Tls = new TlsSettings(Path.Combine(Certificates, "ca.crt"), Path.Combine(Certificates, "{id}.crt"), Path.Combine(Certificates, "{id}.key")),
            Auth = new AuthSettings(Path.Combine(Certificates, "tokens.txt")),
        };
        DevelopmentCertificates.Write(Cluster, Certificates);
        File.WriteAllText(Cluster.Auth.Tokens, $"tests {Token}\n");
        Ca = ClusterCertificates.LoadCa(Cluster.Tls.Ca);
        OtherCa = DevelopmentCertificates.CreateCa("another CA", DateTimeOffset.UtcNow);
    }

    public string Root { get; }

    public string Certificates { get; }

    public ClusterConfig Cluster { get; }

    public int MetricsPort { get; }

    /// <summary>The cluster's CA as the tests started it.</summary>
    public X509Certificate2Collection Ca { get; }

    /// <summary>A CA of another cluster, with its key, to issue certificates this cluster must refuse.</summary>
    public X509Certificate2 OtherCa { get; }

    public PaxosNodeHost Host => _host ?? throw new InvalidOperationException("not started");

    public Uri Url => Cluster.Nodes[0].Url;

    /// <summary>The pair of <paramref name="id"/> (a node or <c>client</c>) that <c>paxos certs</c> wrote.</summary>
    public X509Certificate2 Pair(string id) => ClusterCertificates.LoadPair(Cluster.Tls!.CertFor(id), Cluster.Tls.KeyFor(id));

    /// <summary>
    /// Starts node-0 alone, as a member that has taken part before (its member file is there): a node
    /// founding from an empty data directory would wait for its never-started peers before its replica runs.
    /// </summary>
    public async Task InitializeAsync()
    {
        string data = Path.Combine(Root, "node-0");
        MemberFile.Store(data, 0, PaxosNodeHost.FoundingMembership(Cluster));
        _host = await PaxosNodeHost.StartAsync(new NodeOptions(Cluster, "node-0", data) { MetricsPort = MetricsPort }, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
        Directory.Delete(Root, recursive: true);
    }

    /// <summary>
    /// A channel to the node presenting <paramref name="certificate"/> (none if null) and trusting
    /// <paramref name="ca"/> only; <paramref name="seen"/> is told the certificate the node presents.
    /// </summary>
    /// <param name="asPeer">Sends the peer headers of this node's cluster naming that node id, as a peer's channel does; null: none (a client).</param>
    public GrpcChannel Channel(X509Certificate2? certificate, X509Certificate2? ca = null, string? token = null, Action<X509Certificate2>? seen = null, string? asPeer = null)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) };
        var trusted = ca is null ? Ca : new X509Certificate2Collection(ca);
        ClusterCertificates.UseClusterTls(handler, () => trusted, certificate is null ? null : () => certificate, (server, errors) =>
        {
            seen?.Invoke(server);
            return ClusterCertificates.NamesHost(server, errors);
        });
        HttpMessageHandler outer = token is null ? handler : new BearerTokenHandler(token, handler);
        return GrpcChannel.ForAddress(Url, new GrpcChannelOptions { HttpHandler = asPeer is null ? outer : new PeerHeaders(Host.ClusterId, asPeer).Around(outer) });
    }

    /// <summary>The value of counter <paramref name="name"/> on the node's metrics port (HTTPS, with the client certificate).</summary>
    public async Task<double> MetricAsync(string name)
    {
        var handler = new SocketsHttpHandler();
        var client = Pair(DevelopmentCertificates.ClientName);
        ClusterCertificates.UseClusterTls(handler, () => Ca, () => client, ClusterCertificates.NamesHost);
        using var http = new HttpClient(handler);
        string text = await http.GetStringAsync(new Uri($"https://127.0.0.1:{MetricsPort}/metrics"));
        string line = text.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
