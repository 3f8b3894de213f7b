using Google.Protobuf;
using Grpc.Core;
using Paxos.Transport.V1;

namespace Paxos.Bench;

/// <summary>
/// A benchmark worker against Paxos: its own client id, and request ids that grow by one per write,
/// whichever endpoint its <see cref="BenchRoute"/> sends a request to.
/// </summary>
internal sealed class PaxosBenchClient : IBenchClient
{
    private readonly KeyValueService.KeyValueServiceClient[] clients;
    private readonly BenchRoute route;
    private readonly BenchDataset data;
    private readonly PutRequest put;
    private readonly GetRequest get;
    private readonly CompareAndSwapRequest cas;
    private ulong requestId;
    private int nextValue;
    private ByteString? casSeen;

    public PaxosBenchClient(BenchRoute route, BenchDataset data, string clientId, Transport.V1.ReadConsistency consistency)
    {
        this.route = route;
        clients = [.. route.Invokers.Select(invoker => new KeyValueService.KeyValueServiceClient(invoker))];
        this.data = data;
        put = new PutRequest { ClientId = clientId };
        get = new GetRequest { Consistency = consistency };
        cas = new CompareAndSwapRequest { ClientId = clientId };
    }

    public Task PutAsync(int key, DateTime deadline, CancellationToken cancellationToken)
    {
        put.Key = data.Keys[key];
        put.Value = NextValue();
        put.RequestId = ++requestId;
        return clients[route.Next()].PutAsync(put, deadline: deadline, cancellationToken: cancellationToken).ResponseAsync;
    }

    public Task GetAsync(int key, DateTime deadline, CancellationToken cancellationToken)
    {
        get.Key = data.Keys[key];
        return clients[route.Next()].GetAsync(get, deadline: deadline, cancellationToken: cancellationToken).ResponseAsync;
    }

    public async Task<bool> CompareAndSwapAsync(int key, DateTime deadline, CancellationToken cancellationToken)
    {
        var next = NextValue();
        cas.Key = data.Keys[key];
        cas.ExpectAbsent = casSeen is null;
        cas.ExpectedValue = casSeen ?? ByteString.Empty;
        cas.NewValue = next;
        cas.RequestId = ++requestId;
        var reply = await clients[route.Next()].CompareAndSwapAsync(cas, deadline: deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
        casSeen = reply.Succeeded ? next : reply.Found ? reply.CurrentValue : null;
        return reply.Succeeded;
    }

    private ByteString NextValue()
    {
        nextValue = (nextValue + 1) % data.Values.Count;
        return data.Values[nextValue];
    }
}
