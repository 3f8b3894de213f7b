using System.Formats.Asn1;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Paxos.Transport.Security;

/// <summary>
/// The certificates of a cluster with a CA of its own (CONTRACT.md section 5): PEM files loaded,
/// a certificate checked against that CA alone (never the machine's trust store), the names a
/// certificate carries, and the client side of mutual TLS. Shared by the node, the CLI, the
/// benchmark and (compiled in) the client library.
/// </summary>
internal static class ClusterCertificates
{
    /// <summary>The TLS versions every port and channel speaks: 1.2 and newer.</summary>
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>The extended key usage a server certificate must allow (where it restricts usage at all).</summary>
    public static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    /// <summary>The extended key usage a client certificate must allow (where it restricts usage at all).</summary>
    public static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    /// <summary>
    /// The CA certificates of a PEM file: usually one; during a rotation of the CA itself, the old
    /// and the new one, so that certificates of either are accepted until the old one is dropped.
    /// </summary>
    public static X509Certificate2Collection LoadCa(string path) => ParseCa(File.ReadAllText(path));

    /// <summary>The certificates of PEM text; a <see cref="CryptographicException"/> if it holds none.</summary>
    public static X509Certificate2Collection ParseCa(string pem)
    {
        var cas = new X509Certificate2Collection();
        cas.ImportFromPem(pem);
        return cas.Count > 0 ? cas : throw new CryptographicException("no PEM certificate found");
    }

    /// <summary>A certificate and its private key from two PEM files (the key PKCS#8, PKCS#1 or SEC1).</summary>
    public static X509Certificate2 LoadPair(string certificatePath, string keyPath)
    {
        using var pair = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        // A PEM key is ephemeral; SslStream on some platforms wants a key it can look up, so re-import it.
        return X509CertificateLoader.LoadPkcs12(pair.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>
    /// Whether <paramref name="presented"/> chains up to one of <paramref name="cas"/> and only to
    /// them, is valid now, and allows <paramref name="usage"/>. <paramref name="presentedChain"/>:
    /// the intermediate certificates the peer sent, if any.
    /// </summary>
    public static bool IsIssuedBy(X509Certificate2 presented, X509Certificate2Collection cas, X509Chain? presentedChain, Oid usage)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(cas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(usage);
        if (presentedChain is not null)
        {
            foreach (var element in presentedChain.ChainElements)
            {
                if (!element.Certificate.RawDataMemory.Span.SequenceEqual(presented.RawDataMemory.Span))
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }
        }
        return chain.Build(presented)
            && cas.Any(ca => chain.ChainElements[^1].Certificate.RawDataMemory.Span.SequenceEqual(ca.RawDataMemory.Span));
    }

    /// <summary><see cref="IsIssuedBy(X509Certificate2, X509Certificate2Collection, X509Chain?, Oid)"/> with one CA.</summary>
    public static bool IsIssuedBy(X509Certificate2 presented, X509Certificate2 ca, X509Chain? presentedChain, Oid usage) =>
        IsIssuedBy(presented, new X509Certificate2Collection(ca), presentedChain, usage);

    /// <summary>
    /// The names <paramref name="certificate"/> carries: its DNS subject alternative names, the last
    /// path segment (or else the host) of its URI ones (<c>spiffe://cluster/node/node-0</c> names
    /// <c>node-0</c>), and its common name.
    /// </summary>
    public static IReadOnlySet<string> NamesOf(X509Certificate2 certificate)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        string common = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (common.Length > 0)
        {
            names.Add(common);
        }
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value == "2.5.29.17")
            {
                AddAlternativeNames(extension.RawData, names);
            }
        }
        return names;
    }

    /// <summary>
    /// Makes <paramref name="handler"/> speak TLS 1.2+ to a node, trusting only the CAs that
    /// <paramref name="ca"/> returns, presenting the certificate <paramref name="certificate"/>
    /// returns (asked again at every handshake, so a rotated file is picked up), and accepting the
    /// server only if <paramref name="acceptServer"/> does (its name; the chain is checked here).
    /// </summary>
    public static void UseClusterTls(SocketsHttpHandler handler, Func<X509Certificate2Collection> ca, Func<X509Certificate2>? certificate,
        Func<X509Certificate2, SslPolicyErrors, bool> acceptServer)
    {
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            EnabledSslProtocols = Protocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            LocalCertificateSelectionCallback = certificate is null ? null : (_, _, _, _, _) => certificate(),
            RemoteCertificateValidationCallback = (_, presented, chain, errors) =>
                presented is X509Certificate2 server && IsIssuedBy(server, ca(), chain, ServerAuthentication) && acceptServer(server, errors),
        };
    }

    /// <summary>
    /// The usual check of a server by a client: its certificate names the host of the URL dialled
    /// (the chain is checked against the cluster's CA, so the machine's verdict on it is ignored).
    /// </summary>
    public static bool NamesHost(X509Certificate2 server, SslPolicyErrors errors) =>
        (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None;

    /// <summary>Whether a call failed in the TLS handshake: a certificate refused by the client or the node (so no request went out).</summary>
    public static bool IsHandshakeFailure(Grpc.Core.RpcException e)
    {
        for (var inner = e.Status.DebugException; inner is not null; inner = inner.InnerException)
        {
            if (inner is AuthenticationException)
            {
                return true;
            }
        }
        return false;
    }

    private static void AddAlternativeNames(byte[] extension, HashSet<string> names)
    {
        var dns = new Asn1Tag(TagClass.ContextSpecific, 2);
        var uri = new Asn1Tag(TagClass.ContextSpecific, 6);
        try
        {
            var sequence = new AsnReader(extension, AsnEncodingRules.DER).ReadSequence();
            while (sequence.HasData)
            {
                var tag = sequence.PeekTag();
                if (tag.HasSameClassAndValue(dns))
                {
                    names.Add(sequence.ReadCharacterString(UniversalTagNumber.IA5String, dns));
                }
                else if (tag.HasSameClassAndValue(uri))
                {
                    string text = sequence.ReadCharacterString(UniversalTagNumber.IA5String, uri);
                    if (Uri.TryCreate(text, UriKind.Absolute, out var parsed))
                    {
                        string last = parsed.AbsolutePath.TrimEnd('/').Split('/')[^1];
                        names.Add(last.Length > 0 ? Uri.UnescapeDataString(last) : parsed.Host);
                    }
                }
                else
                {
                    sequence.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException)
        {
            // A malformed extension names nothing; the chain check has already accepted the certificate's issuer.
        }
    }
}
