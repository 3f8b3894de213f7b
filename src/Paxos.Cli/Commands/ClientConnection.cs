using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Paxos.Client;
using Paxos.Node.Configuration;
using Paxos.Node.Hosting;
using Paxos.Node.Security;
using Paxos.Transport.Security;

namespace Paxos.Cli.Commands;

/// <summary>
/// Where a client command connects and how: the node URLs, and with TLS the cluster's CA (trusted
/// alone) and the client certificate, and the token sent with every call.
/// </summary>
internal sealed class ClientConnection
{
    private readonly ClientSecurity _security;
    private readonly X509Certificate2Collection? _ca;
    private readonly X509Certificate2? _certificate;
    private readonly string? _token;

    private ClientConnection(IReadOnlyList<Uri> urls, X509Certificate2Collection? ca, X509Certificate2? certificate, string? token)
    {
        Urls = urls;
        _ca = ca;
        _certificate = certificate;
        _token = token;
        _security = ca is null && token is null ? ClientSecurity.None : new ClientSecurity(ca, certificate, token);
    }

    /// <summary>The nodes to try, in order.</summary>
    public IReadOnlyList<Uri> Urls { get; }

    /// <summary>
    /// <paramref name="urls"/> with what <paramref name="flags"/> give; where a flag is missing and
    /// <paramref name="cluster"/> (the local cluster's file) is given, its <c>tls</c> block (the
    /// client pair: <c>{id}</c> = <c>client</c>) and the first token of its <c>auth.tokens</c>.
    /// A <see cref="ConfigException"/> names a file that cannot be used.
    /// </summary>
    public static ClientConnection Create(IReadOnlyList<Uri> urls, ClientFlags flags, ClusterConfig? cluster)
    {
        var (caPath, certPath, keyPath, token) = Settings(flags, cluster);
        try
        {
            return new ClientConnection(urls,
                caPath is null ? null : ClusterCertificates.LoadCa(caPath),
                certPath is null ? null : ClusterCertificates.LoadPair(certPath, keyPath!),
                token);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ConfigException($"--cacert/--cert/--key: cannot use {caPath} {certPath} {keyPath}: {e.Message}");
        }
    }

    /// <summary>The files and token <see cref="Create"/> uses: the flags', else the cluster file's.</summary>
    public static (string? Ca, string? Cert, string? Key, string? Token) Settings(ClientFlags flags, ClusterConfig? cluster)
    {
        var tls = cluster?.Tls;
        string? caPath = flags.CaCert ?? tls?.Ca;
        string? certPath = flags.Cert ?? (flags.CaCert is null ? tls?.CertFor(DevelopmentCertificates.ClientName) : null);
        string? keyPath = flags.Key ?? (flags.CaCert is null ? tls?.KeyFor(DevelopmentCertificates.ClientName) : null);
        if ((certPath is null) != (keyPath is null))
        {
            throw new ConfigException("--cert and --key go together");
        }
        if (certPath is not null && caPath is null)
        {
            throw new ConfigException("--cert needs --cacert: the CA that signed the nodes' certificates");
        }
        return (caPath, certPath, keyPath, flags.Token ?? (cluster?.Auth is { } auth ? FirstToken(auth.Tokens) : null));
    }

    /// <summary>
    /// A client of <see cref="Urls"/>, with the cluster's CA, the client certificate and the token:
    /// a fresh client id (each command is its own client, its retried writes apply once), every call
    /// within <paramref name="timeout"/>, retries included, and failing at once when no node can be
    /// connected to at all (a command reports and exits).
    /// </summary>
    public PaxosClient Client(TimeSpan timeout) => new(new PaxosClientOptions
    {
        Endpoints = Urls,
        ClientId = "cli-" + Guid.NewGuid().ToString("N"),
        Timeout = timeout,
        AttemptTimeout = timeout < AttemptTimeout ? timeout : AttemptTimeout,
        ConnectTimeout = ConnectTimeout,
        FailFastWhenUnreachable = true,
        CaCertificate = _ca?[0],
        ClientCertificate = _certificate,
        Token = _token,
    });

    /// <summary>A channel to <paramref name="url"/> (for the single-decree commands, which <see cref="PaxosClient"/> does not serve): TLS against the cluster's CA if one is set, the token on every call.</summary>
    public GrpcChannel Channel(Uri url) => PeerChannels.Create(url, secure: _security.Apply, connectTimeout: ConnectTimeout);

    /// <summary>The longest one attempt at one node may take before the call tries the next.</summary>
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A command is a fresh process: its first TLS handshake also compiles the TLS code, and on a
    /// loaded machine that ran past the peers' 1 s (the call failed as CANCELLED).
    /// </summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private static string FirstToken(string path)
    {
        try
        {
            return File.ReadLines(path)
                .Select(line => line.Trim())
                .Where(line => line.Length > 0 && !line.StartsWith('#'))
                .Select(line => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                .FirstOrDefault(fields => fields.Length == 2)?[1]
                ?? throw new ConfigException($"auth.tokens: {path} holds no 'NAME TOKEN' line");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"auth.tokens: cannot read {path}: {e.Message}");
        }
    }
}
