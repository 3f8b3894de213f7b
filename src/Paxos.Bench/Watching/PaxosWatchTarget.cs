using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Paxos.Transport.V1;

namespace Paxos.Bench.Watching;

/// <summary>A Paxos cluster under <c>paxos bench watch</c>: WatchService.Watch with a prefix, KeyValueService.Put.</summary>
internal sealed class PaxosWatchTarget(IReadOnlyList<GrpcChannel> channels) : IWatchBenchTarget
{
    public async Task WatchAsync(int endpoint, string prefix, TaskCompletionSource created, Action<ReadOnlyMemory<byte>> onValue, CancellationToken cancellationToken)
    {
        using var call = new WatchService.WatchServiceClient(channels[endpoint]).Watch(new WatchRequest { Key = prefix, Prefix = true }, cancellationToken: cancellationToken);
        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (response.Created)
            {
                created.TrySetResult();
            }
            foreach (var change in response.Events)
            {
                onValue(change.Value.Memory);
            }
        }
    }

    public Task PutAsync(int endpoint, string key, byte[] value, CancellationToken cancellationToken) =>
        new KeyValueService.KeyValueServiceClient(channels[endpoint])
            .PutAsync(new PutRequest { Key = key, Value = UnsafeByteOperations.UnsafeWrap(value) }, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cancellationToken).ResponseAsync;

    public void Dispose()
    {
        foreach (var channel in channels)
        {
            channel.Dispose();
        }
    }
}
