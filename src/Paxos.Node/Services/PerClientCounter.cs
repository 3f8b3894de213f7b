using System.Net;
using Paxos.Core;

namespace Paxos.Node.Services;

/// <summary>
/// How much of one resource (connections, calls, bytes, streams) each client holds, against a limit
/// per client. A client is an IP address (<see cref="Hosting.ServerLimits"/>). Only clients that
/// hold something have an entry, so the table is never larger than the connections open.
/// </summary>
internal sealed class PerClientCounter(long limit)
{
    private readonly Dictionary<IPAddress, long> _held = [];

    /// <summary>The limit per client.</summary>
    public long Limit => limit;

    /// <summary>Counts <paramref name="amount"/> more for <paramref name="client"/>, unless that passes the limit.</summary>
    /// <returns>Whether it was counted.</returns>
    public bool TryTake(IPAddress client, long amount)
    {
        Invariant.Check(amount >= 0, "a client takes a negative amount");
        lock (_held)
        {
            _held.TryGetValue(client, out long held);
            if (held + amount > limit)
            {
                return false;
            }
            _held[client] = held + amount;
            return true;
        }
    }

    /// <summary>Gives back what <see cref="TryTake"/> counted for <paramref name="client"/>.</summary>
    public void Release(IPAddress client, long amount)
    {
        lock (_held)
        {
            bool found = _held.TryGetValue(client, out long held);
            Invariant.Check(found && held >= amount, "a client gives back more than it took");
            if (held == amount)
            {
                _held.Remove(client);
            }
            else
            {
                _held[client] = held - amount;
            }
        }
    }

    /// <summary>
    /// The client a remote address is: its IP address, an IPv4 one as itself whether it came over
    /// IPv4 or as IPv6-mapped (a dual-mode socket); <see cref="IPAddress.None"/> for none (a test host).
    /// </summary>
    public static IPAddress ClientOf(IPAddress? remote) =>
        remote is null ? IPAddress.None : remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
}
