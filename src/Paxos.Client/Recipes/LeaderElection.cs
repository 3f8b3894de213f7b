namespace Paxos.Client.Recipes;

/// <summary>
/// Leader election on one key (as etcd's concurrency election): a candidate is elected by creating
/// the key with its value, attached to a lease it keeps alive (a <see cref="DistributedLock"/>);
/// the key is free again when the leader resigns or stops renewing (crash, pause past the TTL).
/// <see cref="Term"/>, the index at which it was elected, grows with every leader: a leader's
/// writes that include <see cref="StillLeader"/> are refused once it was replaced.
/// </summary>
public sealed class LeaderElection : IAsyncDisposable
{
    private readonly DistributedLock _held;

    private LeaderElection(DistributedLock held) => _held = held;

    /// <summary>The election's key.</summary>
    public string Name => _held.Key;

    /// <summary>The index at which this candidate was elected: higher for every later leader.</summary>
    public ulong Term => _held.FencingToken;

    /// <summary>Cancelled once a keep-alive finds the lease gone: another may lead now.</summary>
    public CancellationToken Lost => _held.Lost;

    /// <summary>A transaction compare that holds only while this candidate is still the leader.</summary>
    public TxnCompare StillLeader => _held.StillHeld;

    /// <summary>Waits until no one leads <paramref name="name"/> and becomes its leader with <paramref name="value"/> (for example its address).</summary>
    /// <param name="client">The client to the cluster.</param>
    /// <param name="name">The election's key.</param>
    /// <param name="value">What observers see as the leader's value.</param>
    /// <param name="ttl">How long after the leader stops renewing another may be elected.</param>
    /// <param name="cancellationToken">Stops campaigning.</param>
    public static async Task<LeaderElection> CampaignAsync(PaxosClient client, string name, ReadOnlyMemory<byte> value, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        new(await DistributedLock.AcquireAsync(client, name, ttl, value, cancellationToken).ConfigureAwait(false));

    /// <summary>Who leads <paramref name="name"/> now (linearizable): its value and term, or null when no one does.</summary>
    public static async Task<ElectedLeader?> LeaderAsync(PaxosClient client, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var current = await client.GetAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
        return current.Found ? new ElectedLeader(current.Value, current.Index) : null;
    }

    /// <summary>Resigns: stops renewing and revokes the lease, so the next candidate is elected at once.</summary>
    public ValueTask DisposeAsync() => _held.DisposeAsync();
}

/// <summary>The leader of an election as observers see it.</summary>
/// <param name="Value">The value it was elected with.</param>
/// <param name="Term">The index at which it was elected.</param>
public sealed record ElectedLeader(ReadOnlyMemory<byte> Value, ulong Term);
