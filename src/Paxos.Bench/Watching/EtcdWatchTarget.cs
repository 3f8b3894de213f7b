using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Paxos.Bench.Etcd.V3;

namespace Paxos.Bench.Watching;

/// <summary>An etcd cluster under <c>paxos bench watch</c>: one Watch stream per watcher with a prefix range, KV.Put.</summary>
internal sealed class EtcdWatchTarget(IReadOnlyList<GrpcChannel> channels) : IWatchBenchTarget
{
    public async Task WatchAsync(int endpoint, string prefix, TaskCompletionSource created, Action<ReadOnlyMemory<byte>> onValue, CancellationToken cancellationToken)
    {
        byte[] key = Encoding.UTF8.GetBytes(prefix);
        byte[] end = [.. key];
        end[^1]++; // the prefix ends in '/', never 0xFF
        using var call = new Watch.WatchClient(channels[endpoint]).Watch(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFrom(key), RangeEnd = ByteString.CopyFrom(end) } }, cancellationToken)
            .ConfigureAwait(false);
        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (response.Created)
            {
                created.TrySetResult();
            }
            foreach (var change in response.Events)
            {
                onValue(change.Kv.Value.Memory);
            }
        }
    }

    public Task PutAsync(int endpoint, string key, byte[] value, CancellationToken cancellationToken) =>
        new KV.KVClient(channels[endpoint])
            .PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = UnsafeByteOperations.UnsafeWrap(value) }, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cancellationToken).ResponseAsync;

    public void Dispose()
    {
        foreach (var channel in channels)
        {
            channel.Dispose();
        }
    }
}
