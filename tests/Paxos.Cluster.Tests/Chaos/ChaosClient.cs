using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Paxos.Checking;
using Paxos.Cluster.Tests.Harness;
using Paxos.Transport.V1;

namespace Paxos.Cluster.Tests.Chaos;

/// <summary>
/// One client of a chaos run: one operation at a time (get 40%, put 30%, compare-and-swap 15%,
/// delete 7%, Txn 8%: compare the key's value, index or existence; on success put it and put or
/// delete another key, on failure read it) on a random key, mostly through the run's <see cref="EntryNode"/>, recorded in the
/// shared history. A write carries this client's id and a new request id; when its outcome is not
/// known (the node died, paused, or did not answer in time) it is sent again with the same ids, to a random node,
/// until some node answers: the exactly-once table must then apply it once and answer with the
/// first result. A write still unanswered when the run gives up stays in the history with an
/// unknown outcome. A get that fails is not retried (a read whose outcome is unknown constrains
/// nothing). Only UNAVAILABLE and DEADLINE_EXCEEDED (no quorum in time, as the contract allows),
/// RESOURCE_EXHAUSTED (overloaded), CANCELLED (the run gave up) and the client's own INTERNAL for an
/// HTTP/2 handshake a paused or starting node did not complete (<see cref="LocalCluster.IsHandshakeFailure"/>)
/// count as "try again"; any other
/// status (INTERNAL, UNKNOWN, ...) is a failure of the system, recorded in <see cref="ChaosClientStats.Failures"/>
/// for the test to fail on, and the operation keeps an unknown outcome. Every change a write's
/// answer acknowledges, with its index, goes to <paramref name="changes"/> for the watch check.
/// </summary>
internal sealed class ChaosClient(int id, LocalCluster cluster, EntryNode entry, ChaosHistory history, ChaosChanges changes, IReadOnlyList<string> keys, int seed)
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(50);

    private readonly Random _random = new(seed);
    private readonly Dictionary<string, string?> _seen = [];
    private readonly Dictionary<string, (ulong Index, string? Value)> _read = [];
    private readonly string _clientId = $"chaos-{id}";
    private ulong _requestId;
    private int _values;

    public ChaosClientStats Stats { get; } = new();

    /// <summary>Issues operations until <paramref name="stop"/>; a write in flight then is still resolved, unless <paramref name="abandon"/> comes first.</summary>
    public async Task RunAsync(CancellationToken stop, CancellationToken abandon)
    {
        while (!stop.IsCancellationRequested && !abandon.IsCancellationRequested)
        {
            string key = keys[_random.Next(keys.Count)];
            int roll = _random.Next(100);
            if (roll < 40)
            {
                await GetAsync(key, abandon).ConfigureAwait(false);
            }
            else if (roll < 70)
            {
                string value = NewValue();
                await WriteAsync(KvInput.Put(key, value), async (client, options) =>
                {
                    var reply = await client.PutAsync(new PutRequest { Key = key, Value = Bytes(value), ClientId = _clientId, RequestId = _requestId }, options).ConfigureAwait(false);
                    changes.Add(reply.Index, key, value);
                    _seen[key] = value;
                    return KvOutput.PutOk;
                }, abandon).ConfigureAwait(false);
            }
            else if (roll < 85)
            {
                bool expectAbsent = !_seen.TryGetValue(key, out string? expected) || expected is null;
                string value = NewValue();
                await WriteAsync(KvInput.CompareAndSwap(key, expectAbsent, expected, value), async (client, options) =>
                {
                    var request = new CompareAndSwapRequest { Key = key, ExpectAbsent = expectAbsent, NewValue = Bytes(value), ClientId = _clientId, RequestId = _requestId };
                    if (!expectAbsent)
                    {
                        request.ExpectedValue = Bytes(expected!);
                    }
                    var reply = await client.CompareAndSwapAsync(request, options).ConfigureAwait(false);
                    _seen[key] = reply.Succeeded ? value : reply.Found ? reply.CurrentValue.ToStringUtf8() : null;
                    if (reply.Succeeded)
                    {
                        changes.Add(reply.Index, key, value);
                    }
                    return KvOutput.CasResult(reply.Succeeded, reply.Found, reply.CurrentValue.ToStringUtf8());
                }, abandon).ConfigureAwait(false);
            }
            else if (roll < 92)
            {
                await WriteAsync(KvInput.Delete(key), async (client, options) =>
                {
                    var reply = await client.DeleteAsync(new DeleteRequest { Key = key, ClientId = _clientId, RequestId = _requestId }, options).ConfigureAwait(false);
                    if (reply.Existed)
                    {
                        changes.Add(reply.Index, key, null);
                    }
                    _seen[key] = null;
                    return KvOutput.DeleteResult(reply.Existed);
                }, abandon).ConfigureAwait(false);
            }
            else
            {
                await TxnAsync(key, abandon).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A Txn on <paramref name="key"/>, compared on what this client last saw of it, that writes another key too on success.</summary>
    private async Task TxnAsync(string key, CancellationToken abandon)
    {
        if (keys.Count < 2)
        {
            await GetAsync(key, abandon).ConfigureAwait(false); // a Txn here writes two keys
            return;
        }
        int at = Enumerable.Range(0, keys.Count).First(k => keys[k] == key);
        string second = keys[(at + 1 + _random.Next(keys.Count - 1)) % keys.Count];
        string value = NewValue();
        string? secondValue = _random.Next(4) > 0 ? $"{value}'" : null;
        var compare = new Compare { Key = key, Op = Compare.Types.Op.Equal };
        KvInput input;
        int roll = _random.Next(3);
        if (roll == 0 && _seen.TryGetValue(key, out string? seen) && seen is not null)
        {
            compare.Target = Compare.Types.Target.Value;
            compare.Value = Bytes(seen);
            input = KvInput.Txn(key, TxnCompareKind.Value, seen, 0, value, second, secondValue);
        }
        else if (roll == 1 && _read.TryGetValue(key, out var read))
        {
            compare.Target = Compare.Types.Target.Index;
            compare.Index = read.Index;
            input = KvInput.Txn(key, TxnCompareKind.Index, read.Value, read.Index, value, second, secondValue);
        }
        else
        {
            bool exists = _random.Next(2) == 0;
            compare.Target = Compare.Types.Target.Exists;
            compare.Exists = exists;
            input = KvInput.Txn(key, exists ? TxnCompareKind.Exists : TxnCompareKind.Absent, null, 0, value, second, secondValue);
        }
        await WriteAsync(input, async (client, options) =>
        {
            var request = new TxnRequest { ClientId = _clientId, RequestId = _requestId };
            request.Compare.Add(compare);
            request.Success.Add(new TxnOp { Put = new PutRequest { Key = key, Value = Bytes(value) } });
            request.Success.Add(secondValue is null ? new TxnOp { Delete = new DeleteRequest { Key = second } } : new TxnOp { Put = new PutRequest { Key = second, Value = Bytes(secondValue) } });
            request.Failure.Add(new TxnOp { Get = new GetRequest { Key = key } });
            var reply = await client.TxnAsync(request, options).ConfigureAwait(false);
            if (reply.Succeeded)
            {
                changes.Add(reply.Index, key, value);
                if (secondValue is not null || reply.Results[1].Delete.Existed)
                {
                    changes.Add(reply.Index, second, secondValue);
                }
                _seen[key] = value;
                return KvOutput.TxnResult(true, false, null);
            }
            var current = reply.Results[0].Get;
            _seen[key] = current.Found ? current.Value.ToStringUtf8() : null;
            return KvOutput.TxnResult(false, current.Found, current.Found ? current.Value.ToStringUtf8() : null);
        }, abandon).ConfigureAwait(false);
    }

    /// <summary>A linearizable get, recorded; one that fails keeps an unknown outcome.</summary>
    private async Task GetAsync(string key, CancellationToken abandon)
    {
        int op = history.Invoke(id, KvInput.Get(key));
        int node = entry.Pick(_random);
        try
        {
            var reply = await cluster.KeyValue(node).GetAsync(new GetRequest { Key = key }, Options(abandon)).ConfigureAwait(false);
            string? value = reply.Found ? reply.Value.ToStringUtf8() : null;
            history.Complete(op, KvOutput.GetResult(reply.Found, value));
            _seen[key] = value;
            _read[key] = (reply.Found ? reply.Index : 0, value);
            Stats.Count(KvOperationKind.Get, known: true, attempts: 1);
        }
        catch (RpcException e)
        {
            if (!IsIndefinite(e))
            {
                Fail(KvInput.Get(key), node, e);
            }
            Stats.Count(KvOperationKind.Get, known: false, attempts: 1);
        }
    }

    private async Task WriteAsync(KvInput input, Func<KeyValueService.KeyValueServiceClient, CallOptions, Task<KvOutput>> attempt, CancellationToken abandon)
    {
        _requestId++;
        int op = history.Invoke(id, input);
        for (int attempts = 1; ; attempts++)
        {
            int node = attempts == 1 ? entry.Pick(_random) : _random.Next(cluster.Size);
            try
            {
                var output = await attempt(cluster.KeyValue(node), Options(abandon)).ConfigureAwait(false);
                history.Complete(op, output);
                Stats.Count(input.Kind, known: true, attempts);
                return;
            }
            catch (RpcException e)
            {
                if (!IsIndefinite(e))
                {
                    Fail(input, node, e);
                }
                if (!IsIndefinite(e) || abandon.IsCancellationRequested)
                {
                    Stats.Count(input.Kind, known: false, attempts);
                    return; // the outcome stays unknown
                }
            }
            try
            {
                await Task.Delay(RetryDelay, abandon).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Stats.Count(input.Kind, known: false, attempts);
                return;
            }
        }
    }

    /// <summary>Errors after which the operation may or may not have taken effect and may be tried again; any other error fails the run.</summary>
    internal static bool IsIndefinite(RpcException e) => e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded
        or StatusCode.Cancelled or StatusCode.ResourceExhausted || LocalCluster.IsHandshakeFailure(e);

    private void Fail(KvInput input, int node, RpcException e) =>
        Stats.Fail($"client {id}: {input} through node {node} at {history.Now.TotalSeconds:0.000} s failed with {e.StatusCode}: {e.Status.Detail}");

    private static CallOptions Options(CancellationToken abandon) => new(deadline: DateTime.UtcNow + AttemptTimeout, cancellationToken: abandon);

    private string NewValue() => $"c{id}-{++_values}";

    private static ByteString Bytes(string value) => ByteString.CopyFrom(Encoding.UTF8.GetBytes(value));
}
