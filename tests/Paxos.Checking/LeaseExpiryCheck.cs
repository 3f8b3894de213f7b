using System.Globalization;

namespace Paxos.Checking;

/// <summary>
/// Checks that no lease expired early, as far as its client can tell. A client knows that a lease
/// was granted or renewed no earlier than it invoked the grant or the keep-alive, so when a grant or
/// keep-alive of lease L invoked at time t was acknowledged (granted, or found and renewed), no
/// expiry of L may take effect before t + TTL. An expiry (<see cref="KvOperationKind.LeaseExpire"/>,
/// recorded by the harness that sees the leader decide it) is invoked when the leader proposed it,
/// which is no later than it took effect, so it must be invoked at t + TTL or after. TTLs are
/// measured on the leaders' clocks: with clocks that run up to <paramref name="maxClockDrift"/>
/// fast, a TTL may pass in TTL / (1 + drift) of real time, and a clock that steps forward makes it
/// pass that much earlier still: a lease can only be as good as its leader's clock.
/// </summary>
/// <param name="maxClockDrift">The drift bound of the nodes' clocks (0.01: 1%).</param>
/// <param name="forwardClockJumps">How far the nodes' clocks stepped forward in all during the run (an upper bound on what any one leader's did).</param>
public sealed class LeaseExpiryCheck(double maxClockDrift, TimeSpan forwardClockJumps = default)
{
    /// <summary>Returns a description of every early expiry in <paramref name="history"/>, or null if none.</summary>
    public string? Check(IReadOnlyList<HistoryOperation> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var ttls = new Dictionary<ulong, long>();
        var latest = new Dictionary<ulong, HistoryOperation>();
        foreach (HistoryOperation op in history)
        {
            ulong lease = op.Input.Kind switch
            {
                KvOperationKind.LeaseGrant when op.Output is { } granted => granted.Lease,
                KvOperationKind.LeaseKeepAlive when op.Output is { Found: true } => op.Input.Lease,
                _ => 0,
            };
            if (lease == 0)
            {
                continue;
            }

            if (op.Input.Kind == KvOperationKind.LeaseGrant)
            {
                ttls[lease] = op.Input.TtlMilliseconds;
            }

            if (!latest.TryGetValue(lease, out HistoryOperation? seen) || seen.Invoked < op.Invoked)
            {
                latest[lease] = op;
            }
        }

        var early = new List<string>();
        foreach (HistoryOperation expiry in history.Where(op => op.Input.Kind == KvOperationKind.LeaseExpire))
        {
            ulong lease = expiry.Input.Lease;
            if (!latest.TryGetValue(lease, out HistoryOperation? renewal) || !ttls.TryGetValue(lease, out long ttl))
            {
                continue; // its grant's answer was lost: nothing the client was promised
            }

            TimeSpan notBefore = renewal.Invoked + (TimeSpan.FromMilliseconds(ttl) / (1 + maxClockDrift)) - forwardClockJumps;
            if (expiry.Invoked < notBefore)
            {
                early.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"  lease {lease} (TTL {ttl} ms) expired early: {expiry} was proposed before t={notBefore.TotalSeconds:0.000000}s, TTL after {renewal}"));
            }
        }

        return early.Count == 0 ? null : "LEASE expired early:" + Environment.NewLine + string.Join(Environment.NewLine, early);
    }
}
