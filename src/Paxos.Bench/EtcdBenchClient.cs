using Google.Protobuf;
using Grpc.Core;
using Paxos.Bench.Etcd.V3;

namespace Paxos.Bench;

/// <summary>
/// A benchmark worker against etcd's v3 KV service. Compare-and-swap is a transaction: if the key's
/// value (or, for an absent key, its create revision 0) is as expected, put the new value; else
/// read the key, to learn what it holds.
/// </summary>
internal sealed class EtcdBenchClient : IBenchClient
{
    private readonly KV.KVClient[] clients;
    private readonly BenchRoute route;
    private readonly BenchDataset data;
    private readonly PutRequest put = new();
    private readonly RangeRequest range;
    private readonly TxnRequest txn;
    private readonly Compare expectAbsent = new() { Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 };
    private readonly Compare expectValue = new() { Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Equal };
    private readonly PutRequest txnPut = new();
    private readonly RangeRequest txnRange = new();
    private int nextValue;
    private ByteString? casSeen;

    public EtcdBenchClient(BenchRoute route, BenchDataset data, bool serializable)
    {
        this.route = route;
        clients = [.. route.Invokers.Select(invoker => new KV.KVClient(invoker))];
        this.data = data;
        range = new RangeRequest { Serializable = serializable };
        txn = new TxnRequest
        {
            Compare = { expectAbsent },
            Success = { new RequestOp { RequestPut = txnPut } },
            Failure = { new RequestOp { RequestRange = txnRange } },
        };
    }

    public Task PutAsync(int key, DateTime deadline, CancellationToken cancellationToken)
    {
        put.Key = data.KeyBytes[key];
        put.Value = NextValue();
        return clients[route.Next()].PutAsync(put, deadline: deadline, cancellationToken: cancellationToken).ResponseAsync;
    }

    public Task GetAsync(int key, DateTime deadline, CancellationToken cancellationToken)
    {
        range.Key = data.KeyBytes[key];
        return clients[route.Next()].RangeAsync(range, deadline: deadline, cancellationToken: cancellationToken).ResponseAsync;
    }

    public async Task<bool> CompareAndSwapAsync(int key, DateTime deadline, CancellationToken cancellationToken)
    {
        var keyBytes = data.KeyBytes[key];
        var next = NextValue();
        Compare compare;
        if (casSeen is null)
        {
            compare = expectAbsent;
        }
        else
        {
            compare = expectValue;
            compare.Value = casSeen;
        }
        compare.Key = keyBytes;
        txn.Compare[0] = compare;
        txnPut.Key = keyBytes;
        txnPut.Value = next;
        txnRange.Key = keyBytes;
        var reply = await clients[route.Next()].TxnAsync(txn, deadline: deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (reply.Succeeded)
        {
            casSeen = next;
        }
        else
        {
            var kvs = reply.Responses.Count > 0 ? reply.Responses[0].ResponseRange?.Kvs : null;
            casSeen = kvs is { Count: > 0 } ? kvs[0].Value : null;
        }
        return reply.Succeeded;
    }

    private ByteString NextValue()
    {
        nextValue = (nextValue + 1) % data.Values.Count;
        return data.Values[nextValue];
    }
}
