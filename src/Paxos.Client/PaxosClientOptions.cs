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
