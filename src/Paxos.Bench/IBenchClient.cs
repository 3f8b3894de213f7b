namespace Paxos.Bench;

/// <summary>
/// One benchmark worker's connection to a cluster: it has one request in flight at a time, and
/// reuses its request messages from call to call.
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
}
