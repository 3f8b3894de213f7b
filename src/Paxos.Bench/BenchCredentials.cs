namespace Paxos.Bench;

/// <summary>
/// The files and token the benchmark's channels authenticate with (CONTRACT.md section 5): the
/// cluster's CA, a client certificate and key (PEM), a bearer token; null where not used.
/// </summary>
public sealed record BenchCredentials(string? CaCert, string? Cert, string? Key, string? Token)
{
    /// <summary>None: plain HTTP/2 (or the machine's trust for https://), no token.</summary>
    public static BenchCredentials None { get; } = new(null, null, null, null);
}
