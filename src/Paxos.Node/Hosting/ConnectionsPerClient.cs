using System.Net;
using Microsoft.AspNetCore.Connections;
using Paxos.Node.Services;
using Prometheus;

namespace Paxos.Node.Hosting;

/// <summary>
/// Closes a connection at once, before TLS or HTTP/2 costs anything, when its client (its IP
/// address) already has <see cref="ServerLimits.MaxConnectionsPerClient"/> open; counted in
/// <c>paxos_client_connections_refused_total</c>.
/// </summary>
internal sealed class ConnectionsPerClient(int limit, Counter refused)
{
    private readonly PerClientCounter _open = new(limit);

    /// <summary>The connection middleware: first in a listener's pipeline.</summary>
    public ConnectionDelegate Use(ConnectionDelegate next) => async connection =>
    {
        var client = PerClientCounter.KeyOf((connection.RemoteEndPoint as IPEndPoint)?.Address);
        if (_open.TryTake(client, 0) != PerClientCounter.Refusal.None)
        {
            refused.Inc();
            return;
        }
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            _open.Release(client, 0);
        }
    };
}
