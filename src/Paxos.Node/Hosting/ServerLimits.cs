using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Paxos.Node.Hosting;

/// <summary>
/// What one node's server gives any number of clients at most, and what it gives one client, so
/// that slow or greedy ones cannot take its memory or shut out others. A client is an IP address
/// (as ZooKeeper's <c>maxClientCnxns</c> counts them): the only identity a connection has before
/// its first call, and the one a client cannot multiply without more addresses. Peers share the
/// port, and so the connection limits; their calls are never counted.
/// </summary>
public sealed record ServerLimits
{
    /// <summary>Open connections, peers' and clients' together (Kestrel's MaxConcurrentConnections); more are closed at once.</summary>
    public int MaxConnections { get; init; } = 4096;

    /// <summary>
    /// Open connections from one IP address, peers' and clients' together; more from it are closed
    /// at once, so one client cannot take all of <see cref="MaxConnections"/> and shut out others.
    /// </summary>
    public int MaxConnectionsPerClient { get; init; } = 2048;

    /// <summary>Calls at once on one HTTP/2 connection (its SETTINGS_MAX_CONCURRENT_STREAMS): one connection's share.</summary>
    public int MaxStreamsPerConnection { get; init; } = 100;

    /// <summary>Unary client calls (key-value and consensus) in progress on the node; more get RESOURCE_EXHAUSTED.</summary>
    public int MaxClientCallsInFlight { get; init; } = 1024;

    /// <summary>One IP address's share of <see cref="MaxClientCallsInFlight"/>; its calls beyond it get RESOURCE_EXHAUSTED.</summary>
    public int MaxClientCallsInFlightPerClient { get; init; } = 512;

    /// <summary>The bytes of the requests of those calls together; a request that would pass it gets RESOURCE_EXHAUSTED.</summary>
    public long MaxClientRequestBytesInFlight { get; init; } = 256L * 1024 * 1024;

    /// <summary>One IP address's share of <see cref="MaxClientRequestBytesInFlight"/> (its requests' bytes); a request beyond it gets RESOURCE_EXHAUSTED.</summary>
    public long MaxClientRequestBytesInFlightPerClient { get; init; } = 128L * 1024 * 1024;

    /// <summary>
    /// The bytes of the responses one connection's unary client calls have not yet written (a
    /// client that stops reading leaves them in the server's buffers); a read whose response would
    /// pass it gets RESOURCE_EXHAUSTED. One connection's share of <see cref="MaxClientRequestBytesInFlight"/>.
    /// </summary>
    public long MaxClientResponseBytesPerConnection { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// How long a client call's response (or one message of a watch) may take to be written; then
    /// the call is cut off (RST_STREAM), so that a client that stops reading holds nothing longer.
    /// Calls share timers, so one is cut off up to a thirtieth of this later.
    /// </summary>
    public TimeSpan ResponseWriteTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Streaming client calls (watches) open on the node; more get RESOURCE_EXHAUSTED. As many as
    /// the change feed takes watchers (<c>ChangeFeedOptions.MaxWatchers</c>): each is bounded in
    /// memory by the feed (a queue per watcher, one for all), so thousands of them are cheap.
    /// </summary>
    public int MaxClientStreams { get; init; } = 10_000;

    /// <summary>One IP address's share of <see cref="MaxClientStreams"/>; its streams beyond it get RESOURCE_EXHAUSTED.</summary>
    public int MaxClientStreamsPerClient { get; init; } = 5_000;

    /// <summary>Sets Kestrel's limits from these.</summary>
    internal void Apply(KestrelServerOptions kestrel)
    {
        kestrel.Limits.MaxConcurrentConnections = MaxConnections;
        kestrel.Limits.Http2.MaxStreamsPerConnection = MaxStreamsPerConnection;
    }
}
