using System.Security.Cryptography.X509Certificates;

namespace Paxos.Client;

/// <summary>Settings of a <see cref="PaxosClient"/>.</summary>
public sealed class PaxosClientOptions
{
    /// <summary>The nodes' URLs (<c>http://host:port</c>), as the cluster file names them; at least one.</summary>
    public IReadOnlyList<Uri> Endpoints { get; init; } = [];

    /// <summary>
    /// The id under which the cluster deduplicates this client's writes (exactly once). Null: a new
    /// random id per client. An id must not be used by two clients at once, nor again by a new
    /// client after one with it wrote (its request ids start over and would be taken as old).
    /// Concurrent writes of one client use the id for the first and <c>id/1</c>, <c>id/2</c>, ...
    /// for the others, since the cluster expects each id's requests one at a time.
    /// </summary>
    public string? ClientId { get; init; }

    /// <summary>The default overall deadline of a call, retries included. 15 seconds unless set.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The longest a single attempt at one node may take before the call tries another. 5 seconds unless set.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest a connection to a node may take to open. 2 seconds unless set.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The pause before the first retry; it doubles with every further retry up to <see cref="MaxBackoff"/>. 25 ms unless set.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(25);

    /// <summary>The longest pause between two attempts. 1 second unless set.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The cluster's CA (the <c>tls.ca</c> of its cluster file). With it, an https:// node is
    /// trusted only if its certificate is that CA's (not the machine's trust store) and names the
    /// host dialled. Null: https:// endpoints are checked against the machine's trust store.
    /// </summary>
    public X509Certificate2? CaCertificate { get; init; }

    /// <summary>
    /// The certificate, with its private key, presented to the nodes (mutual TLS: a cluster with
    /// <c>tls</c> refuses a connection without one from its CA). Needs <see cref="CaCertificate"/>.
    /// Load PEM files with <see cref="X509Certificate2.CreateFromPemFile(string, string?)"/>.
    /// </summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Which endpoint each call goes to: the leader (the default) or the next one in turn.</summary>
    public EndpointSelection EndpointSelection { get; init; } = EndpointSelection.Leader;

    /// <summary>
    /// False (the default): a call that finds no node to connect to keeps trying, after growing
    /// pauses, until its deadline, as nodes restart. True: it fails with
    /// <see cref="PaxosNoQuorumException"/> once as many attempts in a row as there are endpoints
    /// found no node to connect to (and a watch, once as many nodes in a row failed it), for a tool
    /// that reports and exits, such as the <c>paxos</c> command.
    /// </summary>
    public bool FailFastWhenUnreachable { get; init; }

    /// <summary>A token of the cluster's <c>auth.tokens</c>, sent as <c>authorization: Bearer TOKEN</c> with every call. Null: none.</summary>
    public string? Token { get; init; }

    internal void Validate()
    {
        if (Endpoints.Count == 0)
        {
            throw new ArgumentException("at least one endpoint is needed", nameof(Endpoints));
        }
        foreach (var endpoint in Endpoints)
        {
            if (endpoint is null || !endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException($"endpoint '{endpoint}' is not an absolute http:// or https:// URL", nameof(Endpoints));
            }
        }
        if (ClientId is { Length: 0 })
        {
            throw new ArgumentException("the client id must not be empty (an empty id turns exactly-once off); leave it null for a random one", nameof(ClientId));
        }
        if (ClientCertificate is not null && (CaCertificate is null || !ClientCertificate.HasPrivateKey))
        {
            throw new ArgumentException("a client certificate needs its private key and the CaCertificate that signed the nodes' certificates", nameof(ClientCertificate));
        }
        if (Token is not null && (Token.Length == 0 || Token.Any(char.IsWhiteSpace)))
        {
            throw new ArgumentException("the token must not be empty or contain spaces; leave it null for none", nameof(Token));
        }
        if (!Enum.IsDefined(EndpointSelection))
        {
            throw new ArgumentOutOfRangeException(nameof(EndpointSelection), EndpointSelection, "not an EndpointSelection value");
        }
        Positive(Timeout, nameof(Timeout));
        Positive(AttemptTimeout, nameof(AttemptTimeout));
        Positive(ConnectTimeout, nameof(ConnectTimeout));
        Positive(InitialBackoff, nameof(InitialBackoff));
        if (MaxBackoff < InitialBackoff)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBackoff), MaxBackoff, "must be at least InitialBackoff");
        }
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, "must be positive");
        }
    }
}
