using System.Diagnostics.CodeAnalysis;
using Paxos.Core;

namespace Paxos.KeyValue;

/// <summary>
/// The replicated lease state of <see cref="KeyValueStateMachine"/>: every lease's time to live and
/// attached keys, and the lease epoch (the ballot of the leader whose expiries take effect). Changed
/// only by the apply loop; when leases expire is not replicated (the leader's keeper decides it).
/// </summary>
internal sealed class LeaseTable
{
    private readonly SortedDictionary<ulong, Lease> _leases = [];

    /// <summary>The ballot of the latest leader that claimed the epoch (<see cref="LeaseEpochCommand"/>); <see cref="Ballot.Zero"/> before any.</summary>
    public Ballot Epoch { get; set; } = Ballot.Zero;

    public int Count => _leases.Count;

    /// <summary>The leases in ascending id order.</summary>
    public IEnumerable<KeyValuePair<ulong, Lease>> InIdOrder => _leases;

    public bool TryGet(ulong leaseId, [MaybeNullWhen(false)] out Lease lease) => _leases.TryGetValue(leaseId, out lease);

    public void Grant(ulong leaseId, long ttlMilliseconds)
    {
        Invariant.Check(leaseId != 0 && !_leases.ContainsKey(leaseId), $"lease {leaseId} is granted once and is not 0");
        Invariant.Check(_leases.Count < KeyValueLimits.MaxLeases, "at most MaxLeases leases exist");
        _leases.Add(leaseId, new Lease(ttlMilliseconds));
    }

    /// <summary>Forgets a lease whose keys have all been detached.</summary>
    public void End(ulong leaseId)
    {
        Invariant.Check(_leases.Remove(leaseId, out Lease? lease) && lease.Keys.Count == 0, $"lease {leaseId} ends after its keys are deleted");
    }

    public void Attach(ulong leaseId, string key)
    {
        Invariant.Check(_leases.TryGetValue(leaseId, out Lease? lease), $"a key is attached to lease {leaseId} only while it exists");
        lease!.Keys.Add(key);
        Invariant.Check(lease.Keys.Count <= KeyValueLimits.MaxKeysPerLease, $"lease {leaseId} has at most MaxKeysPerLease keys");
    }

    public void Detach(ulong leaseId, string key)
    {
        Invariant.Check(_leases.TryGetValue(leaseId, out Lease? lease) && lease.Keys.Remove(key), $"key '{key}' was attached to lease {leaseId}");
    }

    /// <summary>One lease: its time to live and the keys attached to it.</summary>
    internal sealed class Lease(long ttlMilliseconds)
    {
        public long TtlMilliseconds { get; } = ttlMilliseconds;

        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
    }
}
