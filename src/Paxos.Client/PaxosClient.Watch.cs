using System.Runtime.CompilerServices;
using Grpc.Core;
using V1 = Paxos.Transport.V1;

namespace Paxos.Client;

public sealed partial class PaxosClient
{
    /// <summary>
    /// Every change to <paramref name="key"/> (or, with <paramref name="prefix"/>, to every key starting
    /// with it) from <paramref name="startIndex"/> on, in index order, each once, for as long as the
    /// enumeration runs (CONTRACT.md section 1b). When a node fails, the watch goes on at the next
    /// endpoint from the index after the last one delivered: nothing is missed or seen twice. It ends
    /// only when <paramref name="cancellationToken"/> is cancelled, or with
    /// <see cref="PaxosWatchCompactedException"/> when the cluster no longer has the changes asked for.
    /// </summary>
    /// <param name="key">The key, or the prefix; empty with <paramref name="prefix"/> for every key.</param>
    /// <param name="prefix">Whether <paramref name="key"/> is a prefix.</param>
    /// <param name="startIndex">The first index to report; 0 for the changes after the watch starts.</param>
    /// <param name="onStart">Told each time a node takes the watch on (at first, and after every move to another node): which node, from which index. Null: nobody.</param>
    /// <param name="cancellationToken">Ends the watch.</param>
    public async IAsyncEnumerable<WatchEvent> WatchAsync(string key, bool prefix = false, ulong startIndex = 0, Action<WatchStart>? onStart = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ulong next = startIndex;
        int target = Volatile.Read(ref _preferred);
        for (int failures = 0; ; target = (target + 1) % _endpoints.Length)
        {
            if (_failFast && failures >= _endpoints.Length)
            {
                throw new PaxosNoQuorumException($"the watch failed at {failures} nodes in a row (tried {string.Join(", ", _endpoints.Select(e => e.Url))})", null);
            }
            if (failures > 0)
            {
                await Task.Delay(_backoff.Delay(failures), cancellationToken).ConfigureAwait(false);
            }
            using var call = _endpoints[target].Watches.Watch(new V1.WatchRequest { Key = key, Prefix = prefix, StartIndex = next },
                new CallOptions(cancellationToken: cancellationToken));
            ulong compacted = 0;
            while (true)
            {
                V1.WatchResponse response;
                try
                {
                    if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                    {
                        break; // the node ended the stream (it is stopping): go on elsewhere
                    }
                    response = call.ResponseStream.Current;
                }
                catch (RpcException e) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException("the watch was cancelled", e, cancellationToken);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.OutOfRange)
                {
                    throw new PaxosWatchCompactedException(next, compacted, e);
                }
                catch (RpcException e) when (RpcFailures.Classify(e) != AttemptFailure.Final)
                {
                    break; // the node is unreachable or failed: go on at the next one
                }
                catch (RpcException e)
                {
                    throw RpcFailures.Translate(e);
                }

                failures = 0;
                if (response.Created)
                {
                    next = response.NextIndex;
                    onStart?.Invoke(new WatchStart(_endpoints[target].Url, next));
                }
                compacted = Math.Max(compacted, response.CompactedIndex);
                foreach (var change in response.Events)
                {
                    yield return new WatchEvent(change.Type == V1.WatchEvent.Types.Type.Delete ? WatchEventType.Delete : WatchEventType.Put,
                        change.Key, change.Value.Memory, change.Index);
                    next = Math.Max(next, change.Index + 1); // the events of one index come in one message
                }
            }
            failures++;
        }
    }
}
