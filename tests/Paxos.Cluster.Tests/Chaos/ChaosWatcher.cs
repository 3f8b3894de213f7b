using Grpc.Core;
using Paxos.Cluster.Tests.Harness;
using Paxos.Transport.V1;

namespace Paxos.Cluster.Tests.Chaos;

/// <summary>
/// A watch of every key of a chaos run, from index 1, as a client of WatchService keeps one: when
/// its stream breaks (its node was killed, paused or cut off) it resumes from the index after the
/// last event it saw on a random node; when a node no longer has that index (compacted_index, then
/// OUT_OF_RANGE) it resumes from the index the node names and counts the indexes skipped. It keeps
/// every event it received, for <see cref="ChaosWatchCheck"/>.
/// </summary>
internal sealed class ChaosWatcher(LocalCluster cluster, string prefix, int node, int seed)
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromMilliseconds(200);

    private readonly Random _random = new(seed);
    private readonly List<WatchEvent> _events = [];
    private readonly List<(ulong From, ulong To)> _compacted = [];
    private ulong _next = 1;

    /// <summary>The node it started on.</summary>
    public int FirstNode { get; } = node;

    /// <summary>Times it resumed on a node after its stream broke.</summary>
    public int Resumes { get; private set; }

    /// <summary>Every event received, in the order received.</summary>
    public IReadOnlyList<WatchEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>The index ranges [From, To) it skipped because a node no longer had them and said so.</summary>
    public IReadOnlyList<(ulong From, ulong To)> Compacted
    {
        get
        {
            lock (_events)
            {
                return [.. _compacted];
            }
        }
    }

    /// <summary>The next index it waits for.</summary>
    public ulong Next
    {
        get
        {
            lock (_events)
            {
                return _next;
            }
        }
    }

    /// <summary>Watches until <paramref name="stop"/>.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        int current = FirstNode;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var call = cluster.Watches(current).Watch(new WatchRequest { Key = prefix, Prefix = true, StartIndex = Next }, cancellationToken: stop);
                await foreach (var response in call.ResponseStream.ReadAllAsync(stop).ConfigureAwait(false))
                {
                    Receive(response);
                }
            }
            catch (RpcException) when (!stop.IsCancellationRequested)
            {
                // broken (or OUT_OF_RANGE after compacted_index): resume elsewhere
            }
            catch (Exception e) when (e is OperationCanceledException || (e is RpcException { StatusCode: StatusCode.Cancelled }))
            {
                return;
            }
            current = _random.Next(cluster.Size);
            Resumes++;
            try
            {
                await Task.Delay(ReconnectDelay, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Receive(WatchResponse response)
    {
        lock (_events)
        {
            if (response.CompactedIndex != 0)
            {
                _compacted.Add((_next, response.CompactedIndex));
                _next = Math.Max(_next, response.CompactedIndex);
            }
            foreach (var change in response.Events)
            {
                _events.Add(change);
                _next = Math.Max(_next, change.Index + 1);
            }
        }
    }
}
