using Paxos.Client;

namespace Paxos.Bench.Watching;

/// <summary>
/// A Paxos cluster under <c>paxos bench watch</c>: <see cref="PaxosClient.WatchAsync"/> of a prefix and
/// <see cref="PaxosClient.PutAsync(string, ReadOnlyMemory{byte}, TimeSpan?, CancellationToken)"/>, through
/// one client per endpoint (which so never moves a watch or a put to another node).
/// </summary>
internal sealed class PaxosWatchTarget(IReadOnlyList<Uri> endpoints) : IWatchBenchTarget
{
    private static readonly TimeSpan PutTimeout = TimeSpan.FromSeconds(10);

    private readonly PaxosClient[] _clients = [.. endpoints.Select(url => new PaxosClient(new PaxosClientOptions
    {
        Endpoints = [url],
        EndpointSelection = EndpointSelection.RoundRobin,
        Timeout = PutTimeout,
    }))];

    public async Task WatchAsync(int endpoint, string prefix, TaskCompletionSource created, Action<ReadOnlyMemory<byte>> onValue, CancellationToken cancellationToken)
    {
        await foreach (var change in _clients[endpoint].WatchAsync(prefix, prefix: true, onStart: _ => created.TrySetResult(), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            onValue(change.Value);
        }
    }

    public Task PutAsync(int endpoint, string key, byte[] value, CancellationToken cancellationToken) =>
        _clients[endpoint].PutAsync(key, value, cancellationToken: cancellationToken);

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
