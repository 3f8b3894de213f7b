using System.Text;

namespace Paxos.Client.Recipes;

/// <summary>
/// A lock on one key, held through a lease (as etcd's concurrency mutex), with a fencing token.
/// <see cref="AcquireAsync(PaxosClient, string, TimeSpan, CancellationToken)"/> creates the key with a transaction that requires it absent, attached to
/// a lease this object keeps alive; the lock is free again when the holder releases it or its lease
/// expires (it crashed, or paused longer than the TTL).
/// </summary>
/// <remarks>
/// A holder can lose the lock without knowing it (a pause past its TTL), so two processes may both
/// believe they hold it. <see cref="FencingToken"/>, the index at which this holder created the key,
/// grows with every holder; writes made through <see cref="PutFencedAsync"/> (or a transaction that
/// includes <see cref="StillHeld"/>) succeed only while the key is still the one this holder wrote,
/// so a deposed holder's writes are refused however late they arrive.
/// </remarks>
public sealed class DistributedLock : IAsyncDisposable
{
    private readonly PaxosClient _client;
    private readonly TimeSpan _ttl;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _keepAlive;
    private int _released;

    private DistributedLock(PaxosClient client, string key, LeaseGrant lease, ulong fencingToken)
    {
        _client = client;
        _ttl = lease.Ttl;
        Key = key;
        LeaseId = lease.Id;
        FencingToken = fencingToken;
        _keepAlive = Task.Run(KeepAliveAsync);
    }

    /// <summary>The lock's key.</summary>
    public string Key { get; }

    /// <summary>The lease the key is attached to.</summary>
    public ulong LeaseId { get; }

    /// <summary>The index at which this holder took the lock: higher than every earlier holder's.</summary>
    public ulong FencingToken { get; }

    /// <summary>Cancelled once a keep-alive finds the lease gone: the lock may be someone else's now.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>A transaction compare that holds only while the lock key is still this holder's (its index is the fencing token).</summary>
    public TxnCompare StillHeld => TxnCompare.Index(Key, TxnCompareOp.Equal, FencingToken);

    /// <summary>
    /// Waits until the lock on <paramref name="key"/> is free and takes it. While another holds it,
    /// polls every tenth of <paramref name="ttl"/> (at least 50 ms, at most 1 s).
    /// </summary>
    /// <param name="client">The client to the cluster.</param>
    /// <param name="key">The lock's key.</param>
    /// <param name="ttl">The lease's TTL: how long after a holder stops renewing (crash, pause) the lock frees.</param>
    /// <param name="cancellationToken">Stops waiting; a lease granted meanwhile is revoked.</param>
    public static Task<DistributedLock> AcquireAsync(PaxosClient client, string key, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        AcquireAsync(client, key, ttl, value: null, cancellationToken);

    /// <summary>As <see cref="AcquireAsync(PaxosClient, string, TimeSpan, CancellationToken)"/>, the key holding <paramref name="value"/>.</summary>
    /// <param name="client">The client to the cluster.</param>
    /// <param name="key">The lock's key.</param>
    /// <param name="ttl">The lease's TTL.</param>
    /// <param name="value">What the key holds while this holder has it; null: the client id and the lease.</param>
    /// <param name="cancellationToken">Stops waiting; a lease granted meanwhile is revoked.</param>
    internal static async Task<DistributedLock> AcquireAsync(PaxosClient client, string key, TimeSpan ttl, ReadOnlyMemory<byte>? value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(key);
        var poll = TimeSpan.FromTicks(Math.Clamp(ttl.Ticks / 10, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(1).Ticks));
        var lease = await client.GrantLeaseAsync(ttl, cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                ReadOnlyMemory<byte> owner = value ?? Encoding.UTF8.GetBytes($"{client.ClientId} lease {lease.Id}");
                var taken = await client.TxnAsync(
                    [TxnCompare.Exists(key, false)],
                    [TxnOperation.Put(key, owner, lease.Id)],
                    [],
                    cancellationToken: cancellationToken).ConfigureAwait(false);
                if (taken.Succeeded)
                {
                    return new DistributedLock(client, key, lease, taken.Index);
                }
                await Task.Delay(poll, cancellationToken).ConfigureAwait(false);
                if (!(await client.KeepLeaseAliveAsync(lease.Id, cancellationToken: cancellationToken).ConfigureAwait(false)).Found)
                {
                    lease = await client.GrantLeaseAsync(ttl, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch
        {
            await RevokeQuietlyAsync(client, lease.Id).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Writes <paramref name="value"/> under <paramref name="key"/> only while this holder still holds the lock; returns whether it did.</summary>
    public async Task<bool> PutFencedAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) =>
        (await _client.TxnAsync([StillHeld], [TxnOperation.Put(key, value)], [], cancellationToken: cancellationToken).ConfigureAwait(false)).Succeeded;

    /// <summary>Releases the lock: stops renewing and revokes the lease, which deletes the key.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }
        await StopKeepAliveAsync().ConfigureAwait(false);
        await RevokeQuietlyAsync(_client, LeaseId).ConfigureAwait(false);
        _stop.Dispose();
        _lost.Dispose();
    }

    /// <summary>Stops renewing the lease without releasing it: what a holder's pause (or crash) looks like to the cluster.</summary>
    internal async Task StopKeepAliveAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _keepAlive.ConfigureAwait(false);
    }

    /// <summary>Renews the lease every third of its TTL until stopped; cancels <see cref="Lost"/> once it is gone or could not be renewed for a whole TTL.</summary>
    private async Task KeepAliveAsync()
    {
        var renewed = DateTime.UtcNow;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(_ttl / 3, _stop.Token).ConfigureAwait(false);
                try
                {
                    var alive = await _client.KeepLeaseAliveAsync(LeaseId, timeout: _ttl / 3, cancellationToken: _stop.Token).ConfigureAwait(false);
                    if (!alive.Found)
                    {
                        break;
                    }
                    renewed = DateTime.UtcNow;
                }
                catch (PaxosException) when (DateTime.UtcNow - renewed < _ttl)
                {
                    // no quorum for now: try again; the lease outlives one TTL after the last renewal
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return;
        }
        catch (PaxosException)
        {
            // not renewed for a whole TTL: the lease may have expired
        }
        await _lost.CancelAsync().ConfigureAwait(false);
    }

    private static async Task RevokeQuietlyAsync(PaxosClient client, ulong leaseId)
    {
        try
        {
            await client.RevokeLeaseAsync(leaseId).ConfigureAwait(false);
        }
        catch (PaxosException)
        {
            // the lease then ends by itself after its TTL
        }
    }
}
