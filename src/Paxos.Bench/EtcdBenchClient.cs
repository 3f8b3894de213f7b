using Google.Protobuf;
using Grpc.Core;
using Paxos.Bench.Etcd.V3;

namespace Paxos.Bench;

/// <summary>
/// A benchmark worker against etcd's v3 KV and Lease services. Compare-and-swap is a transaction: if
/// the key's value (or, for an absent key, its create revision 0) is as expected, put the new value;
/// else read the key, to learn what it holds. The txn workload compares the key's mod revision
/// instead. Keep-alives go over one LeaseKeepAlive stream per worker, as etcd's Go client sends them
/// (the stream has no per-request deadline; a broken one is opened again on the next request).
/// </summary>
internal sealed class EtcdBenchClient : IBenchClient, IDisposable
{
    private readonly KV.KVClient[] clients;
    private readonly Lease.LeaseClient[] leases;
    private readonly BenchRoute route;
    private readonly BenchDataset data;
    private readonly PutRequest put = new();
    private readonly RangeRequest range;
    private readonly TxnRequest txn;
    private readonly Compare expectAbsent = new() { Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 };
    private readonly Compare expectValue = new() { Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Equal };
    private readonly PutRequest txnPut = new();
    private readonly RangeRequest txnRange = new();
    private readonly Compare expectRevision = new() { Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal };
    private readonly TxnRequest revisionTxn;
    private readonly PutRequest revisionPut = new();
    private readonly RangeRequest revisionRange = new();
    private readonly LeaseKeepAliveRequest keepAlive = new();
    private AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse>? keepAliveStream;
    private int nextValue;
    private ByteString? casSeen;
    private long txnSeen;

    public EtcdBenchClient(BenchRoute route, BenchDataset data, bool serializable)
    {
        this.route = route;
        clients = [.. route.Invokers.Select(invoker => new KV.KVClient(invoker))];
        leases = [.. route.Invokers.Select(invoker => new Lease.LeaseClient(invoker))];
        this.data = data;
        range = new RangeRequest { Serializable = serializable };
        txn = new TxnRequest
        {
            Compare = { expectAbsent },
            Success = { new RequestOp { RequestPut = txnPut } },
            Failure = { new RequestOp { RequestRange = txnRange } },
        };
        revisionTxn = new TxnRequest
        {
            Compare = { expectRevision },
            Success = { new RequestOp { RequestPut = revisionPut } },
            Failure = { new RequestOp { RequestRange = revisionRange } },
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

    public async Task<bool> TxnAsync(int key, DateTime deadline, CancellationToken cancellationToken)
    {
        var keyBytes = data.KeyBytes[key];
        expectRevision.Key = keyBytes;
        expectRevision.ModRevision = txnSeen;
        revisionPut.Key = keyBytes;
        revisionPut.Value = NextValue();
        revisionRange.Key = keyBytes;
        var reply = await clients[route.Next()].TxnAsync(revisionTxn, deadline: deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (reply.Succeeded)
        {
            txnSeen = reply.Header.Revision;
        }
        else
        {
            var kvs = reply.Responses.Count > 0 ? reply.Responses[0].ResponseRange?.Kvs : null;
            txnSeen = kvs is { Count: > 0 } ? kvs[0].ModRevision : 0;
        }
        return reply.Succeeded;
    }

    public async Task<ulong> GrantLeaseAsync(TimeSpan ttl, DateTime deadline, CancellationToken cancellationToken)
    {
        var reply = await leases[route.Next()].LeaseGrantAsync(new LeaseGrantRequest { TTL = (long)Math.Ceiling(ttl.TotalSeconds) }, deadline: deadline, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return reply.Error.Length == 0 ? (ulong)reply.ID : throw new RpcException(new Status(StatusCode.Unknown, $"lease grant: {reply.Error}"));
    }

    public async Task KeepAliveAsync(ulong leaseId, DateTime deadline, CancellationToken cancellationToken)
    {
        keepAliveStream ??= leases[route.Next()].LeaseKeepAlive(cancellationToken: cancellationToken);
        try
        {
            keepAlive.ID = (long)leaseId;
            await keepAliveStream.RequestStream.WriteAsync(keepAlive, cancellationToken).ConfigureAwait(false);
            if (!await keepAliveStream.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "etcd ended the keep-alive stream"));
            }
        }
        catch (Exception e) when (e is RpcException or IOException or InvalidOperationException)
        {
            Dispose();
            if (e is RpcException)
            {
                throw;
            }
            throw new RpcException(new Status(StatusCode.Unavailable, $"the keep-alive stream broke: {e.Message}"));
        }
        if (keepAliveStream.ResponseStream.Current.TTL <= 0)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"lease {leaseId} not found"));
        }
    }

    /// <summary>Closes the keep-alive stream, if one is open.</summary>
    public void Dispose()
    {
        keepAliveStream?.Dispose();
        keepAliveStream = null;
    }

    private ByteString NextValue()
    {
        nextValue = (nextValue + 1) % data.Values.Count;
        return data.Values[nextValue];
    }
}
