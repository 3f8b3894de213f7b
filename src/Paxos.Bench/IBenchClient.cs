namespace Paxos.Bench;

/// <summary>
/// One benchmark worker's connection to a cluster: it has one request in flight at a time, and
/// reuses its request messages from call to call where the cluster's client lets it.
/// </summary>
internal interface IBenchClient
{
    /// <summary>Writes one of the dataset's values to key number <paramref name="key"/>.</summary>
    Task PutAsync(int key, DateTime deadline, CancellationToken cancellationToken);

    /// <summary>Reads key number <paramref name="key"/>.</summary>
    Task GetAsync(int key, DateTime deadline, CancellationToken cancellationToken);

    /// <summary>
    /// Swaps key number <paramref name="key"/> (always the same one for a client) from the value this
    /// client last saw there (at first: absent) to a different one. Returns false if the key held
    /// something else; the client then remembers what it held, so that its next swap can succeed.
    /// </summary>
    Task<bool> CompareAndSwapAsync(int key, DateTime deadline, CancellationToken cancellationToken);

    /// <summary>
    /// A transaction on key number <paramref name="key"/> (always the same one for a client): if the
    /// index (etcd: mod revision) of its last write is the one this client last saw (at first: 0,
    /// absent), put a new value; else read it, to learn its index. Returns whether the put ran.
    /// </summary>
    Task<bool> TxnAsync(int key, DateTime deadline, CancellationToken cancellationToken);

    /// <summary>Grants a lease of <paramref name="ttl"/>; returns its id.</summary>
    Task<ulong> GrantLeaseAsync(TimeSpan ttl, DateTime deadline, CancellationToken cancellationToken);

    /// <summary>Renews lease <paramref name="leaseId"/>; a lease that is gone fails as NOT_FOUND.</summary>
    Task KeepAliveAsync(ulong leaseId, DateTime deadline, CancellationToken cancellationToken);
}
