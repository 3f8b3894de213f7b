using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Paxos.Checking;
using Paxos.Cluster.Tests.Harness;
using Paxos.Transport.V1;

namespace Paxos.Cluster.Tests.Chaos;

/// <summary>
/// The lease holder of a chaos run, as a service registering itself would: grants a lease of
/// <see cref="Ttl"/>, keeps it alive every <see cref="KeepAliveEvery"/> for 2 to 6 s while putting
/// values with it to its own two keys (no other client writes them, so a read shows when they
/// vanish) and reading them back, then revokes it or abandons it to expire; all through random
/// nodes (a node that does not lead forwards), recorded in the shared history. A put with a lease
/// is retried with the same ids until some node answers; one refused because its lease is gone
/// (NOT_FOUND) wrote nothing. When the run stops, every lease it was granted is revoked, so the
/// final state does not change under the final reads; and
/// <see cref="AddExpiries"/> gives the history each lease's possible expiry.
/// </summary>
internal sealed class ChaosLeaseClient(int id, LocalCluster cluster, ChaosHistory history, ChaosChanges changes, int seed)
{
    /// <summary>The leases' time to live.</summary>
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan KeepAliveEvery = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(1);

    private readonly Random _random = new(seed);
    private readonly string _clientId = $"chaos-lease-{id}";
    private readonly List<ulong> _granted = [];
    private readonly string[] _keys = [$"key-lease-{id}-0", $"key-lease-{id}-1"];
    private ulong _requestId;
    private int _values;

    public ChaosClientStats Stats { get; } = new();

    /// <summary>Holds leases until <paramref name="stop"/>, then revokes every lease it was granted (until <paramref name="abandon"/>).</summary>
    public async Task RunAsync(CancellationToken stop, CancellationToken abandon)
    {
        while (!stop.IsCancellationRequested)
        {
            ulong lease = await GrantAsync(abandon).ConfigureAwait(false);
            var holdUntil = DateTime.UtcNow + TimeSpan.FromMilliseconds(_random.Next(2000, 6000));
            while (lease != 0 && DateTime.UtcNow < holdUntil && !stop.IsCancellationRequested)
            {
                if (!await KeepAliveAsync(lease, abandon).ConfigureAwait(false))
                {
                    break; // gone: expired (or an answer lost), so this holding ends
                }
                string key = _keys[_random.Next(_keys.Length)];
                await PutAsync(key, lease, abandon).ConfigureAwait(false);
                await GetAsync(_keys[_random.Next(_keys.Length)], abandon).ConfigureAwait(false);
                await Delay(KeepAliveEvery, stop).ConfigureAwait(false);
            }
            if (lease != 0 && _random.Next(2) == 0)
            {
                await RevokeAsync(lease, abandon).ConfigureAwait(false);
            }
            await Delay(TimeSpan.FromMilliseconds(_random.Next(100, 500)), stop).ConfigureAwait(false);
        }
        foreach (ulong lease in _granted)
        {
            await RevokeAsync(lease, abandon).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Adds to the history, for each lease granted, its expiry as an operation of unknown outcome
    /// invoked when its TTL after the last acknowledged grant or keep-alive (the renewal happened no
    /// earlier than its invocation) runs out: the lease's keys may vanish from then on, never before.
    /// </summary>
    public void AddExpiries()
    {
        var operations = history.Operations;
        foreach (ulong lease in _granted)
        {
            TimeSpan renewed = operations
                .Where(op => op.Output is { } output && ((op.Input.Kind == KvOperationKind.LeaseGrant && output.Lease == lease)
                    || (op.Input.Kind == KvOperationKind.LeaseKeepAlive && op.Input.Lease == lease && output.Found)))
                .Max(op => op.Invoked);
            history.InvokeAt(-1, KvInput.LeaseExpire(lease), renewed + Ttl);
        }
    }

    private async Task<ulong> GrantAsync(CancellationToken abandon)
    {
        var input = KvInput.LeaseGrant((long)Ttl.TotalMilliseconds);
        int op = history.Invoke(id, input);
        int node = _random.Next(cluster.Size);
        try
        {
            var reply = await cluster.Lease(node).GrantAsync(new LeaseGrantRequest { TtlMs = (long)Ttl.TotalMilliseconds }, Options(abandon)).ConfigureAwait(false);
            history.Complete(op, KvOutput.LeaseGranted(reply.LeaseId));
            _granted.Add(reply.LeaseId);
            Stats.Count(input.Kind, known: true, attempts: 1);
            return reply.LeaseId;
        }
        catch (RpcException e)
        {
            Unknown(input, node, e);
            return 0; // a lease granted without an answer is never kept alive: it expires
        }
    }

    /// <summary>Renews <paramref name="lease"/>; false once it is not found. An answer lost keeps the holding going.</summary>
    private async Task<bool> KeepAliveAsync(ulong lease, CancellationToken abandon)
    {
        var input = KvInput.LeaseKeepAlive(lease);
        int op = history.Invoke(id, input);
        int node = _random.Next(cluster.Size);
        try
        {
            var reply = await cluster.Lease(node).KeepAliveAsync(new LeaseKeepAliveRequest { LeaseId = lease }, Options(abandon)).ConfigureAwait(false);
            history.Complete(op, KvOutput.LeaseFound(reply.Found));
            Stats.Count(input.Kind, known: true, attempts: 1);
            return reply.Found;
        }
        catch (RpcException e)
        {
            Unknown(input, node, e);
            return true;
        }
    }

    /// <summary>A linearizable get, recorded; one that fails keeps an unknown outcome.</summary>
    private async Task GetAsync(string key, CancellationToken abandon)
    {
        var input = KvInput.Get(key);
        int op = history.Invoke(id, input);
        int node = _random.Next(cluster.Size);
        try
        {
            var reply = await cluster.KeyValue(node).GetAsync(new GetRequest { Key = key }, Options(abandon)).ConfigureAwait(false);
            history.Complete(op, KvOutput.GetResult(reply.Found, reply.Found ? reply.Value.ToStringUtf8() : null));
            Stats.Count(input.Kind, known: true, attempts: 1);
        }
        catch (RpcException e)
        {
            Unknown(input, node, e);
        }
    }

    private async Task PutAsync(string key, ulong lease, CancellationToken abandon)
    {
        string value = $"l{id}-{++_values}";
        var request = new PutRequest { Key = key, Value = ByteString.CopyFrom(Encoding.UTF8.GetBytes(value)), ClientId = _clientId, RequestId = ++_requestId, LeaseId = lease };
        await WriteAsync(KvInput.PutWithLease(key, value, lease), async (node, options) =>
        {
            try
            {
                var reply = await cluster.KeyValue(node).PutAsync(request, options).ConfigureAwait(false);
                changes.Add(reply.Index, key, value);
                return KvOutput.PutOk;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                return KvOutput.PutLeaseNotFound;
            }
        }, abandon).ConfigureAwait(false);
    }

    /// <summary>Revokes <paramref name="lease"/>, retried until some node answers (a second revoke finds nothing, which is fine).</summary>
    private Task RevokeAsync(ulong lease, CancellationToken abandon) => WriteAsync(KvInput.LeaseRevoke(lease), async (node, options) =>
    {
        var reply = await cluster.Lease(node).RevokeAsync(new LeaseRevokeRequest { LeaseId = lease }, options).ConfigureAwait(false);
        return KvOutput.LeaseFound(reply.Found);
    }, abandon);

    /// <summary>A write sent to random nodes until one answers (or <paramref name="abandon"/>), recorded.</summary>
    private async Task WriteAsync(KvInput input, Func<int, CallOptions, Task<KvOutput>> attempt, CancellationToken abandon)
    {
        int op = history.Invoke(id, input);
        for (int attempts = 1; ; attempts++)
        {
            int node = _random.Next(cluster.Size);
            try
            {
                history.Complete(op, await attempt(node, Options(abandon)).ConfigureAwait(false));
                Stats.Count(input.Kind, known: true, attempts);
                return;
            }
            catch (RpcException e) when (ChaosClient.IsIndefinite(e) && !abandon.IsCancellationRequested)
            {
                await Delay(TimeSpan.FromMilliseconds(50), abandon).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                Unknown(input, node, e);
                return;
            }
        }
    }

    private void Unknown(KvInput input, int node, RpcException e)
    {
        if (!ChaosClient.IsIndefinite(e))
        {
            Stats.Fail($"lease client {id}: {input} through node {node} at {history.Now.TotalSeconds:0.000} s failed with {e.StatusCode}: {e.Status.Detail}");
        }
        Stats.Count(input.Kind, known: false, attempts: 1);
    }

    private static async Task Delay(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private static CallOptions Options(CancellationToken abandon) => new(deadline: DateTime.UtcNow + AttemptTimeout, cancellationToken: abandon);
}
