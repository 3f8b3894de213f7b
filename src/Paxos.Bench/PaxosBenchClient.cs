using Google.Protobuf;
using Grpc.Core;
using Paxos.Client;

namespace Paxos.Bench;

/// <summary>
/// A benchmark worker against Paxos, through a <see cref="PaxosClient"/> (shared with other workers):
/// the client picks the endpoint (<see cref="BenchConnections"/> sets how) and the client and request
/// ids of every write. Values are the dataset's, sent without a copy.
/// </summary>
internal sealed class PaxosBenchClient(PaxosClient client, BenchDataset data, Client.ReadConsistency consistency) : IBenchClient
{
    private static readonly TimeSpan Shortest = TimeSpan.FromMilliseconds(1);

    private int nextValue;
    private ReadOnlyMemory<byte>? casSeen;
    private ulong txnSeen;

    public Task PutAsync(int key, DateTime deadline, CancellationToken cancellationToken) =>
        client.PutAsync(data.Keys[key], NextValue().Memory, leaseId: 0, Until(deadline), cancellationToken);

    public Task GetAsync(int key, DateTime deadline, CancellationToken cancellationToken) =>
        client.GetAsync(data.Keys[key], consistency, Until(deadline), cancellationToken);

    public async Task<bool> CompareAndSwapAsync(int key, DateTime deadline, CancellationToken cancellationToken)
    {
        var next = NextValue().Memory;
        var reply = await client.CompareAndSwapAsync(data.Keys[key], casSeen, next, Until(deadline), cancellationToken).ConfigureAwait(false);
        casSeen = reply.Succeeded ? next : reply.Found ? reply.CurrentValue : null;
        return reply.Succeeded;
    }

    public async Task<bool> TxnAsync(int key, DateTime deadline, CancellationToken cancellationToken)
    {
        string name = data.Keys[key];
        var reply = await client.TxnAsync(
            [TxnCompare.Index(name, TxnCompareOp.Equal, txnSeen)],
            [TxnOperation.Put(name, NextValue().Memory)],
            [TxnOperation.Get(name)],
            Until(deadline), cancellationToken).ConfigureAwait(false);
        txnSeen = reply.Succeeded ? reply.Index : reply.Results[0].Index;
        return reply.Succeeded;
    }

    public async Task<ulong> GrantLeaseAsync(TimeSpan ttl, DateTime deadline, CancellationToken cancellationToken) =>
        (await client.GrantLeaseAsync(ttl, Until(deadline), cancellationToken).ConfigureAwait(false)).Id;

    public async Task KeepAliveAsync(ulong leaseId, DateTime deadline, CancellationToken cancellationToken)
    {
        var renewal = await client.KeepLeaseAliveAsync(leaseId, Until(deadline), cancellationToken).ConfigureAwait(false);
        if (!renewal.Found)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"lease {leaseId} not found"));
        }
    }

    /// <summary>The time left until <paramref name="deadline"/>, as the client's per-call timeout.</summary>
    private static TimeSpan Until(DateTime deadline)
    {
        var left = deadline - DateTime.UtcNow;
        return left > Shortest ? left : Shortest;
    }

    private ByteString NextValue()
    {
        nextValue = (nextValue + 1) % data.Values.Count;
        return data.Values[nextValue];
    }
}
