using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Paxos.Node.Configuration;
using Paxos.Transport.Security;

namespace Paxos.Node.Security;

/// <summary>
/// A development CA and its certificates (<c>paxos certs</c>, CONTRACT.md section 5): ECDSA P-256
/// keys, PEM files. Each node's certificate names its id (common name, and a DNS subject
/// alternative name where the id is a host name, else a URI one) and its url's host, and serves for
/// both server and client authentication (a node is a client of its peers); the client pair names
/// <see cref="ClientName"/>.
/// </summary>
public static class DevelopmentCertificates
{
    /// <summary>The id of the client pair: <c>client.crt</c>, <c>client.key</c>; no node may have it.</summary>
    public const string ClientName = "client";

    private static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3650);
    private static readonly TimeSpan LeafLifetime = TimeSpan.FromDays(730);
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Writes into <paramref name="directory"/> the CA (<c>ca.crt</c>, <c>ca.key</c>; reused if both
    /// exist, so certificates can be issued again under the same CA), <c>ID.crt</c>/<c>ID.key</c> per
    /// node of <paramref name="cluster"/>, and <c>client.crt</c>/<c>client.key</c>. Files are replaced
    /// by a rename, keys readable by their owner only.
    /// </summary>
    /// <returns>Whether the CA was made now (false: reused).</returns>
    public static bool Write(ClusterConfig cluster, string directory)
    {
        if (cluster.Nodes.FirstOrDefault(n => n.Id == ClientName) is { } clash)
        {
            throw new ConfigException($"a node may not be called '{clash.Id}': that is the name of the client certificate");
        }
        Directory.CreateDirectory(directory);
        string caCert = Path.Combine(directory, "ca.crt");
        string caKey = Path.Combine(directory, "ca.key");
        bool created = !(File.Exists(caCert) && File.Exists(caKey));
        X509Certificate2 ca;
        if (created)
        {
            ca = CreateCa("Paxos development CA", DateTimeOffset.UtcNow);
            WritePair(ca, caCert, caKey);
        }
        else
        {
            ca = X509Certificate2.CreateFromPemFile(caCert, caKey);
        }
        using (ca)
        {
            foreach (var node in cluster.Nodes)
            {
                using var pair = Issue(ca, node.Id, [node.Url.Host], clientOnly: false, DateTimeOffset.UtcNow);
                WritePair(pair, Path.Combine(directory, node.Id + ".crt"), Path.Combine(directory, node.Id + ".key"));
            }
            using var client = Issue(ca, ClientName, [], clientOnly: true, DateTimeOffset.UtcNow);
            WritePair(client, Path.Combine(directory, ClientName + ".crt"), Path.Combine(directory, ClientName + ".key"));
        }
        return created;
    }

    /// <summary>A self-signed CA certificate named <paramref name="name"/>, with its private key, valid for ten years from <paramref name="now"/>.</summary>
    public static X509Certificate2 CreateCa(string name, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(name), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(now - ClockSkew, now + CaLifetime);
    }

    /// <summary>
    /// A certificate signed by <paramref name="ca"/> (which holds its key) with its own private key:
    /// common name <paramref name="id"/>, subject alternative names <paramref name="id"/> and
    /// <paramref name="hosts"/>; for server and client authentication, or with
    /// <paramref name="clientOnly"/> for client authentication only. Valid for two years from
    /// <paramref name="now"/>, or until the CA expires.
    /// </summary>
    public static X509Certificate2 Issue(X509Certificate2 ca, string id, IEnumerable<string> hosts, bool clientOnly, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ca);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(id), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            clientOnly ? [ClusterCertificates.ClientAuthentication] : [ClusterCertificates.ServerAuthentication, ClusterCertificates.ClientAuthentication], critical: false));
        var names = new SubjectAlternativeNameBuilder();
        AddName(names, id);
        foreach (string host in hosts.Where(h => h != id))
        {
            AddName(names, host);
        }
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var notAfter = now + LeafLifetime < ca.NotAfter ? now + LeafLifetime : new DateTimeOffset(ca.NotAfter);
        using var certificate = request.Create(ca, now - ClockSkew, notAfter, RandomNumberGenerator.GetBytes(16));
        return certificate.CopyWithPrivateKey(key);
    }

    /// <summary>Writes <paramref name="pair"/>'s certificate and private key as PEM, each replacing its file by a rename; the key readable by its owner only.</summary>
    public static void WritePair(X509Certificate2 pair, string certPath, string keyPath)
    {
        ArgumentNullException.ThrowIfNull(pair);
        var key = (AsymmetricAlgorithm?)pair.GetECDsaPrivateKey() ?? pair.GetRSAPrivateKey() ?? throw new ArgumentException("the certificate has no private key", nameof(pair));
        using (key)
        {
            FileReplacement.Write(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n", secret: true);
        }
        FileReplacement.Write(certPath, pair.ExportCertificatePem() + "\n", secret: false);
    }

    private static X500DistinguishedName Subject(string commonName)
    {
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(commonName);
        return subject.Build();
    }

    private static void AddName(SubjectAlternativeNameBuilder names, string name)
    {
        if (IPAddress.TryParse(name, out var address))
        {
            names.AddIpAddress(address);
        }
        else if (Uri.CheckHostName(name) == UriHostNameType.Dns)
        {
            names.AddDnsName(name);
        }
        else
        {
            names.AddUri(new Uri("paxos://node/" + Uri.EscapeDataString(name)));
        }
    }
}
