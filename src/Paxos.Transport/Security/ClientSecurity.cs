using System.Security.Cryptography.X509Certificates;

namespace Paxos.Transport.Security;

/// <summary>
/// How a client's channels authenticate to a cluster (CONTRACT.md section 5): TLS trusting only the
/// cluster's CA (the server must be named by the host dialled), a client certificate, and a bearer
/// token on every call. Any of them may be absent.
/// </summary>
internal sealed class ClientSecurity(X509Certificate2Collection? ca, X509Certificate2? certificate, string? token)
{
    /// <summary>No CA of its own (plain HTTP/2, or the machine's trust for https://), no certificate, no token.</summary>
    public static ClientSecurity None { get; } = new(null, null, null);

    /// <summary>Whether the channels speak TLS against a CA of their own.</summary>
    public bool Tls => ca is not null;

    /// <summary>The bearer token of every call, or null.</summary>
    public string? Token => token;

    /// <summary>Reads the PEM files (any may be null: not used); throws what reading or parsing them throws. <see cref="None"/> if nothing is given.</summary>
    public static ClientSecurity Load(string? caPath, string? certPath, string? keyPath, string? token)
    {
        if ((certPath is null) != (keyPath is null))
        {
            throw new ArgumentException("a client certificate and its key go together");
        }
        if (certPath is not null && caPath is null)
        {
            throw new ArgumentException("a client certificate needs the CA that signed the nodes' certificates");
        }
        if (caPath is null && string.IsNullOrEmpty(token))
        {
            return None;
        }
        return new ClientSecurity(
            caPath is null ? null : ClusterCertificates.LoadCa(caPath),
            certPath is null ? null : ClusterCertificates.LoadPair(certPath, keyPath!),
            string.IsNullOrEmpty(token) ? null : token);
    }

    /// <summary>The handler a channel uses: <paramref name="handler"/> with TLS set up, wrapped to add the token.</summary>
    public HttpMessageHandler Apply(SocketsHttpHandler handler)
    {
        if (ca is not null)
        {
            ClusterCertificates.UseClusterTls(handler, () => ca, certificate is null ? null : () => certificate, ClusterCertificates.NamesHost);
        }
        return token is null ? handler : new BearerTokenHandler(token, handler);
    }
}
