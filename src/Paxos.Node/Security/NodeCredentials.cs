using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Paxos.Node.Configuration;
using Paxos.Transport.Security;

namespace Paxos.Node.Security;

/// <summary>
/// A node's side of mutual TLS (CONTRACT.md section 5): the cluster's CA and the node's own
/// certificate, read from the files of the <c>tls</c> block and read again when they change, so
/// that certificates rotate without a restart (new connections get the new ones). It makes the
/// node's ports speak only TLS 1.2+ and demand a certificate from the CA, and its peer channels
/// present the node's certificate and accept only a peer whose certificate names that peer's id.
/// </summary>
public sealed partial class NodeCredentials
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);
    private readonly ReloadingFiles<X509Certificate2Collection> _ca;
    private readonly ReloadingFiles<X509Certificate2> _own;

    private NodeCredentials(ReloadingFiles<X509Certificate2Collection> ca, ReloadingFiles<X509Certificate2> own)
    {
        _ca = ca;
        _own = own;
    }

    /// <summary>The cluster's CA as its file holds it now (during a rotation of the CA, the old and the new one).</summary>
    public X509Certificate2Collection Ca => _ca.Current;

    /// <summary>The node's certificate (with its key) as its files hold it now.</summary>
    public X509Certificate2 Certificate => _own.Current;

    /// <summary>
    /// Reads the CA and node <paramref name="nodeId"/>'s certificate and key; a
    /// <see cref="ConfigException"/> says which file cannot be read or used, or that the
    /// certificate is not the CA's or does not name the node.
    /// </summary>
    public static NodeCredentials Load(TlsSettings tls, string nodeId, ILogger logger)
    {
        string cert = tls.CertFor(nodeId);
        string key = tls.KeyFor(nodeId);
        var ca = Open([tls.Ca], files => ParseCa(files[0], tls.Ca), e => LogReloadFailed(logger, tls.Ca, e.Message), "tls.ca");
        var own = Open([cert, key], files => ParsePair(files[0], files[1], cert, key, ca.Current, nodeId),
            e => LogReloadFailed(logger, cert, e.Message), "tls.cert/tls.key");
        return new NodeCredentials(ca, own);
    }

    /// <summary>Kestrel's TLS on one port: TLS 1.2+, the node's current certificate, a client certificate from the CA required.</summary>
    public HttpsConnectionAdapterOptions ServerOptions() => new()
    {
        SslProtocols = ClusterCertificates.Protocols,
        ServerCertificateSelector = (_, _) => Certificate,
        ClientCertificateMode = ClientCertificateMode.RequireCertificate,
        CheckCertificateRevocation = false,
        ClientCertificateValidation = (presented, chain, _) => ClusterCertificates.IsIssuedBy(presented, Ca, chain, ClusterCertificates.ClientAuthentication),
    };

    /// <summary>Makes a channel to node <paramref name="peerId"/> present this node's certificate and accept only one that names <paramref name="peerId"/>.</summary>
    public void UseForPeer(SocketsHttpHandler handler, string peerId) =>
        ClusterCertificates.UseClusterTls(handler, () => Ca, () => Certificate, (server, _) => ClusterCertificates.NamesOf(server).Contains(peerId));

    private static ReloadingFiles<T> Open<T>(string[] paths, Func<byte[][], T> load, Action<Exception> reloadFailed, string key) where T : class
    {
        try
        {
            return new ReloadingFiles<T>(paths, load, reloadFailed, CheckInterval);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ConfigException($"{key}: cannot use {string.Join(" and ", paths)}: {e.Message}");
        }
    }

    private static X509Certificate2Collection ParseCa(byte[] pem, string path)
    {
        var cas = ClusterCertificates.ParseCa(Encoding.ASCII.GetString(pem));
        return cas.All(ca => ca.Extensions["2.5.29.19"] is X509BasicConstraintsExtension { CertificateAuthority: true })
            ? cas
            : throw new ConfigException($"tls.ca: {path} holds a certificate that is not a CA's (no basic constraint CA:TRUE)");
    }

    private static X509Certificate2 ParsePair(byte[] certPem, byte[] keyPem, string cert, string key, X509Certificate2Collection ca, string nodeId)
    {
        X509Certificate2 pair;
        using (var ephemeral = X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(certPem), Encoding.ASCII.GetString(keyPem)))
        {
            pair = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        }
        if (!ClusterCertificates.IsIssuedBy(pair, ca, null, ClusterCertificates.ServerAuthentication)
            || !ClusterCertificates.IsIssuedBy(pair, ca, null, ClusterCertificates.ClientAuthentication))
        {
            throw new ConfigException($"tls.cert: {cert} is not a valid certificate of the CA in tls.ca for both server and client authentication (signed by another CA, expired or not yet valid?)");
        }
        var names = ClusterCertificates.NamesOf(pair);
        return names.Contains(nodeId)
            ? pair
            : throw new ConfigException($"tls.cert: {cert} does not name node '{nodeId}' (as a DNS or URI subject alternative name, or the common name); it names: {string.Join(", ", names)} (key {key})");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS files changed but cannot be loaded ({Path}): {Reason}; keeping the previous certificate, trying again in a second")]
    private static partial void LogReloadFailed(ILogger logger, string path, string reason);
}
