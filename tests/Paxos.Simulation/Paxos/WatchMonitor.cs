using System.Globalization;
using Paxos.KeyValue;
using Paxos.KeyValue.Watching;
using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// Watches on the replicas' production <see cref="ChangeFeed"/>s, checked against the chosen log
/// (<see cref="ChosenLog"/>). There is one watch of every client key (prefix "k") per node and one of
/// key "k0"; each starts at index 1 on its node. Every <see cref="PollInterval"/> each whose node
/// applied something since reads what its watcher has (without waiting) and checks it: every batch is the chosen log's next changes for its
/// keys from where it is (same index, same changes), so events come in index order, each once, with
/// no gap; and once nothing more is ready, the watch has every change up to its node's applied
/// index. A watch whose node crashed resumes from its next index on a random running node (the
/// restarted one too); one that ends (its start was compacted away, a snapshot replaced the state
/// past it, or it fell behind) resumes from the index the end names, as a client of the API does,
/// and the compacted indexes are counted, not checked.
/// </summary>
internal sealed class WatchMonitor
{
    /// <summary>How often the watches read.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private const long ReadBytes = 1 << 20;
    private static readonly CancellationToken NoWait = new(canceled: true);

    private readonly PaxosWorld _world;
    private readonly SimRandom _random;
    private readonly List<Watch> _watches = [];

    /// <summary>Creates the watches of <paramref name="world"/>; <see cref="Start"/> starts polling.</summary>
    public WatchMonitor(PaxosWorld world, SimRandom random)
    {
        _world = world;
        _random = random;
        for (int node = 0; node < world.NodeCount; node++)
        {
            _watches.Add(new Watch(new WatchFilter("k", IsPrefix: true), node));
        }

        _watches.Add(new Watch(new WatchFilter("k0", IsPrefix: false), 0));
    }

    /// <summary>Batches the watches checked.</summary>
    public long Batches { get; private set; }

    /// <summary>Indexes the watches skipped because their node no longer had them (and said so).</summary>
    public long CompactedIndexes { get; private set; }

    /// <summary>Times a watch resumed on another process.</summary>
    public long Resumes { get; private set; }

    /// <summary>Polls every <see cref="PollInterval"/> until the run ends.</summary>
    public void Start() => _world.Scheduler.ScheduleAfter(PollInterval, () =>
    {
        Poll();
        Start();
    });

    private void Poll()
    {
        if (_world.DeferredViolation is { } violation)
        {
            throw new SafetyViolationException(violation);
        }

        foreach (Watch watch in _watches)
        {
            Poll(watch);
        }
    }

    private void Poll(Watch watch)
    {
        if (watch.Replica is { } replica && _world.Cluster.Node(watch.Node) != replica)
        {
            watch.Detach(); // its process crashed
            watch.Node = _random.NextInt(_world.NodeCount);
            Resumes++;
        }

        if (_world.Cluster.Node(watch.Node) is not { } current || _world.Cluster.IsPaused(watch.Node))
        {
            return;
        }

        if (watch.Replica is null)
        {
            watch.Attach(current);
        }
        else if (watch.PolledAt == current.Store.LastAppliedIndex)
        {
            return; // nothing applied (or restored) since it last had nothing more to read
        }

        while (watch.Watcher is { } watcher)
        {
            Task<WatchRead> read = watcher.ReadAsync(ReadBytes, NoWait);
            if (!read.IsCompletedSuccessfully)
            {
                CheckHasEverything(watch, current.Store);
                watch.PolledAt = current.Store.LastAppliedIndex;
                return;
            }

            foreach (ChangeBatch batch in read.Result.Batches)
            {
                Check(watch, batch);
            }

            if (read.Result.End is { } end)
            {
                _world.Trace.Add($"watch {watch} on n{watch.Node} ended: {end.Reason} at {end.Index}");
                if (end.Index < watch.Cursor)
                {
                    throw new SafetyViolationException($"watch {watch} on n{watch.Node} ended {end.Reason} at index {end.Index}, below the index {watch.Cursor} it was to report next");
                }

                CompactedIndexes += (long)(end.Index - watch.Cursor);
                watch.Cursor = end.Index;
                watch.Detach();
                watch.Attach(current);
            }
        }
    }

    private void Check(Watch watch, ChangeBatch batch)
    {
        (ulong Index, ChangeEvent[] Events)? expected = _world.Chosen.NextChange(watch.Filter, watch.Cursor);
        ChangeEvent[] seen = [.. batch.Events.OrderBy(change => change.Key, StringComparer.Ordinal)];
        if (expected is not { } next || next.Index != batch.Index || !Same(next.Events, seen))
        {
            string wanted = expected is { } e ? $"index {e.Index}: {ChosenLog.Describe(e.Events)}" : "nothing (the chosen log has no more changes for its keys)";
            throw new SafetyViolationException(string.Create(
                CultureInfo.InvariantCulture,
                $"WATCH {watch} on n{watch.Node} (incarnation {_world.Cluster.Incarnation(watch.Node)}) reported index {batch.Index}: {ChosenLog.Describe(seen)}; from index {watch.Cursor} the chosen log's next changes are at {wanted}"));
        }

        watch.Cursor = batch.Index + 1;
        Batches++;
    }

    /// <summary>A watch with nothing ready has reported every change up to what its node applied.</summary>
    private void CheckHasEverything(Watch watch, KeyValueStateMachine store)
    {
        if (_world.Chosen.NextChange(watch.Filter, watch.Cursor) is { } next && next.Index <= store.LastAppliedIndex)
        {
            throw new SafetyViolationException(string.Create(
                CultureInfo.InvariantCulture,
                $"WATCH {watch} on n{watch.Node} missed index {next.Index} ({ChosenLog.Describe(next.Events)}): its node applied up to {store.LastAppliedIndex}, but it has nothing more to report from {watch.Cursor}"));
        }
    }

    private static bool Same(ChangeEvent[] expected, ChangeEvent[] seen) =>
        expected.Length == seen.Length && expected.Zip(seen).All(pair =>
            pair.First.Kind == pair.Second.Kind && pair.First.Key == pair.Second.Key && pair.First.Value.Span.SequenceEqual(pair.Second.Value.Span));

    /// <summary>One client's watch, resumed across watchers.</summary>
    private sealed class Watch(WatchFilter filter, int node)
    {
        public WatchFilter Filter { get; } = filter;

        public int Node { get; set; } = node;

        /// <summary>The next index it reports: every change below it was reported (or declared compacted).</summary>
        public ulong Cursor { get; set; } = 1;

        public SimReplica? Replica { get; private set; }

        public Watcher? Watcher { get; private set; }

        /// <summary>Its node's applied index when it last had nothing more to read.</summary>
        public ulong PolledAt { get; set; }

        public void Attach(SimReplica replica)
        {
            Replica = replica;
            PolledAt = 0;
            Watcher = replica.Store.Changes.TryWatch(Filter, Cursor);
        }

        public void Detach()
        {
            Watcher?.Dispose();
            Watcher = null;
            Replica = null;
        }

        public override string ToString() => Filter.IsPrefix ? $"'{Filter.Key}*'" : $"'{Filter.Key}'";
    }
}
