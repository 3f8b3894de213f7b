namespace Paxos.Node.Configuration;

/// <summary>
/// The <c>tls</c> block of the cluster file (CONTRACT.md section 5): the cluster's CA and the
/// certificate and key files of each node, whose paths name it by <c>{id}</c>. Paths are as
/// resolved against the cluster file's folder.
/// </summary>
public sealed record TlsSettings(string Ca, string Cert, string Key)
{
    /// <summary>What <c>{id}</c> in <see cref="Cert"/> and <see cref="Key"/> stands for.</summary>
    public const string IdPlaceholder = "{id}";

    /// <summary>The certificate file of <paramref name="id"/> (a node, or <c>client</c> for the client pair <c>paxos certs</c> writes).</summary>
    public string CertFor(string id) => Cert.Replace(IdPlaceholder, id, StringComparison.Ordinal);

    /// <summary>The private key file of <paramref name="id"/>.</summary>
    public string KeyFor(string id) => Key.Replace(IdPlaceholder, id, StringComparison.Ordinal);
}

/// <summary>The <c>auth</c> block of the cluster file: the file of client tokens, one <c>NAME TOKEN</c> a line.</summary>
public sealed record AuthSettings(string Tokens);
