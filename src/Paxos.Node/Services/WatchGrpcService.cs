using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Paxos.Core;
using Paxos.KeyValue;
using Paxos.KeyValue.Watching;
using Paxos.Transport.V1;

namespace Paxos.Node.Services;

/// <summary>
/// WatchService of CONTRACT.md section 1b on every node, served from this node's applied log
/// through its store's <see cref="ChangeFeed"/>: never a change that is not chosen, in index
/// order, each once, the changes of one index in one message. Each watch is one task that waits on
/// its watcher's signal, so watches hold no thread. How a watch ends, as a status:
/// OUT_OF_RANGE after a message with compacted_index (its start is no longer kept here),
/// RESOURCE_EXHAUSTED (its client read too slowly, or the node has as many watchers as it takes),
/// UNAVAILABLE (the node stops); the last two say the start_index to resume from.
/// </summary>
internal sealed class WatchGrpcService(KeyValueStateMachine store, IHostApplicationLifetime lifetime) : WatchService.WatchServiceBase
{
    /// <summary>The bytes of changes packed into one message (several indexes); one index alone may take more.</summary>
    private const long MessageBytes = 256 * 1024;

    /// <summary>How long a watcher that fell behind may still take to receive the message being written before its stream is reset.</summary>
    private static readonly TimeSpan StalledClientGrace = TimeSpan.FromSeconds(5);

    public override async Task Watch(WatchRequest request, IServerStreamWriter<WatchResponse> responseStream, ServerCallContext context)
    {
        var filter = new WatchFilter(request.Key, request.Prefix);
        if (filter.Validate() is { } error)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, error));
        }
        using var watcher = store.Changes.TryWatch(filter, request.StartIndex) ?? throw new RpcException(new Status(StatusCode.ResourceExhausted,
            $"this node serves {store.Changes.WatcherCount} watchers, as many as it takes; watch on another node or later"));
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        ulong next = watcher.NextIndex;
        try
        {
            await SendAsync(responseStream, new WatchResponse { Created = true, NextIndex = next }, watcher, context).ConfigureAwait(false);
            while (true)
            {
                WatchRead read = await watcher.ReadAsync(MessageBytes, ended.Token).ConfigureAwait(false);
                if (read.Batches.Count > 0)
                {
                    Invariant.Check(read.Batches[0].Index >= next, "a watch reports each index once, in order");
                    await SendAsync(responseStream, ToResponse(read.Batches), watcher, context).ConfigureAwait(false);
                    next = read.Batches[^1].Index + 1;
                }
                switch (read.End)
                {
                    case { Reason: WatchEndReason.OutOfRange } end:
                        await SendAsync(responseStream, new WatchResponse { CompactedIndex = end.Index }, watcher, context).ConfigureAwait(false);
                        throw new RpcException(new Status(StatusCode.OutOfRange,
                            $"this node no longer has the changes from index {next}: it keeps them from index {end.Index} (compacted_index) on; start there, or at {next} on a node that still has them"));
                    case { Reason: WatchEndReason.FellBehind } end:
                        throw new RpcException(new Status(StatusCode.ResourceExhausted,
                            $"the watch fell behind: its client took changes more slowly than they came, and the node does not hold more for it; resume with start_index {end.Index}"));
                }
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"the node is stopping; resume on another node with start_index {next}"));
        }
    }

    /// <summary>
    /// Writes one message. A client that stops reading while its watcher falls behind gets
    /// <see cref="StalledClientGrace"/> to take the message being written; then its stream is reset,
    /// which frees the message.
    /// </summary>
    private static async Task SendAsync(IServerStreamWriter<WatchResponse> stream, WatchResponse response, Watcher watcher, ServerCallContext context)
    {
        Task write = stream.WriteAsync(response);
        if (!write.IsCompleted
            && await Task.WhenAny(write, watcher.FellBehind).ConfigureAwait(false) != write
            && await Task.WhenAny(write, Task.Delay(StalledClientGrace)).ConfigureAwait(false) != write)
        {
            context.GetHttpContext().Abort();
            _ = write.ContinueWith(static failed => failed.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                "the watch fell behind and its client stopped reading, so its stream was reset; resume with start_index = the last index received + 1"));
        }
        await write.ConfigureAwait(false);
    }

    /// <summary>The batches' events; values are wrapped, not copied (the store never changes an array it holds).</summary>
    private static WatchResponse ToResponse(IReadOnlyList<ChangeBatch> batches)
    {
        var response = new WatchResponse();
        foreach (ChangeBatch batch in batches)
        {
            foreach (ChangeEvent change in batch.Events)
            {
                response.Events.Add(new WatchEvent
                {
                    Type = change.Kind == ChangeKind.Put ? WatchEvent.Types.Type.Put : WatchEvent.Types.Type.Delete,
                    Key = change.Key,
                    Value = UnsafeByteOperations.UnsafeWrap(change.Value),
                    Index = batch.Index,
                });
            }
        }
        return response;
    }
}
