using Paxos.KeyValue.Watching;

namespace Paxos.KeyValue.Tests;

/// <summary>
/// The window of recent changes and the watchers of <see cref="ChangeFeed"/>: order, no gaps, each
/// change once, compaction, snapshots, slow watchers and the bounds.
/// </summary>
public class ChangeFeedTests
{
    private static KeyValueStateMachine Machine(ChangeFeedOptions options) => new(new KeyValueStateMachineOptions(), options);

    private static void Put(KeyValueStateMachine machine, ulong index, string key, int valueBytes = 1) =>
        machine.Run(index, new PutCommand(key, new byte[valueBytes]));

    private static List<ulong> Indexes(IEnumerable<IEnumerable<ChangeBatch>> reads) => [.. reads.SelectMany(read => read).Select(batch => batch.Index)];

    [Fact]
    public async Task A_watch_from_the_past_catches_up_in_bounded_reads_then_follows_with_no_gap_and_nothing_twice()
    {
        var machine = Machine(new ChangeFeedOptions());
        for (ulong i = 1; i <= 50; i++)
        {
            Put(machine, i, i % 2 == 0 ? "even" : "odd", 1000);
        }
        using var watcher = machine.Watch("even", from: 10);
        Assert.Equal(10UL, watcher.NextIndex);

        var (reads, end) = await watcher.DrainAsync(maxBytes: 5000);
        for (ulong i = 51; i <= 60; i++)
        {
            Put(machine, i, i % 2 == 0 ? "even" : "odd", 1000);
        }
        var (later, laterEnd) = await watcher.DrainAsync(maxBytes: 5000);

        Assert.Null(end);
        Assert.Null(laterEnd);
        Assert.True(reads.Count > 1 && reads.All(read => read.Count <= 5), "the window is read in chunks within the read's bytes");
        Assert.Equal([.. Enumerable.Range(5, 26).Select(i => (ulong)(2 * i))], Indexes([.. reads, .. later]));
    }

    [Fact]
    public async Task A_watch_from_0_starts_after_the_applied_index_and_one_from_the_future_waits_for_it()
    {
        var machine = new KeyValueStateMachine();
        Put(machine, 1, "k");
        using var fromNow = machine.Watch("k");
        using var future = machine.Watch("k", from: 4);

        Assert.Equal(2UL, fromNow.NextIndex);
        Put(machine, 2, "k");
        Put(machine, 3, "k");
        Put(machine, 4, "k");
        Assert.Equal([2UL, 3, 4], Indexes((await fromNow.DrainAsync()).Reads));
        Assert.Equal([4UL], Indexes((await future.DrainAsync()).Reads));
    }

    [Fact]
    public async Task The_window_keeps_to_its_bounds_and_a_watch_below_it_ends_out_of_range_with_where_to_start()
    {
        var machine = Machine(new ChangeFeedOptions { WindowBytes = 10 * 1200, WindowIndexes = 1000 });
        for (ulong i = 1; i <= 30; i++)
        {
            Put(machine, i, "k", 1000);
        }
        ulong first = machine.Changes.FirstAvailableIndex;
        Assert.InRange(machine.Changes.Window.Bytes, 1, 10 * 1200);
        Assert.Equal(31 - (int)first, machine.Changes.Window.Batches);

        using var below = machine.Watch("k", from: first - 1);
        using var at = machine.Watch("k", from: first);
        Assert.Equal(new WatchEnd(WatchEndReason.OutOfRange, first), (await below.DrainAsync()).End);
        Assert.Equal([.. Enumerable.Range((int)first, 31 - (int)first).Select(i => (ulong)i)], Indexes((await at.DrainAsync()).Reads));

        var counted = Machine(new ChangeFeedOptions { WindowIndexes = 3 });
        for (ulong i = 1; i <= 5; i++)
        {
            Put(counted, i, "k");
        }
        Assert.Equal((3, 3UL), (counted.Changes.Window.Batches, counted.Changes.FirstAvailableIndex));
    }

    [Fact]
    public async Task A_watcher_that_falls_out_of_the_window_while_catching_up_ends_out_of_range()
    {
        var machine = Machine(new ChangeFeedOptions { WindowIndexes = 10 });
        for (ulong i = 1; i <= 10; i++)
        {
            Put(machine, i, "k", 100);
        }
        using var watcher = machine.Watch("k", from: 1);
        var first = await watcher.ReadAsync(500, CancellationToken.None);
        Assert.Equal([1UL, 2], first.Batches.Select(batch => batch.Index));
        for (ulong i = 11; i <= 20; i++)
        {
            Put(machine, i, "k", 100);
        }

        Assert.Equal(new WatchEnd(WatchEndReason.OutOfRange, 11), (await watcher.DrainAsync()).End);
    }

    [Fact]
    public async Task A_watcher_that_does_not_read_falls_behind_and_learns_where_to_resume_and_one_that_reads_keeps_going()
    {
        var machine = Machine(new ChangeFeedOptions { WatcherQueueBytes = 3 * 1200 });
        using var slow = machine.Watch("k");
        using var reader = machine.Watch("k");
        var delivered = new List<ulong>();
        Put(machine, 1, "k", 1000);
        Assert.Equal([1UL], Indexes((await slow.DrainAsync()).Reads));
        for (ulong i = 2; i <= 20; i++)
        {
            Put(machine, i, "k", 1000);
            delivered.AddRange(Indexes((await reader.DrainAsync()).Reads));
        }

        Assert.True(slow.FellBehind.IsCompleted);
        var (reads, end) = await slow.DrainAsync();
        Assert.Empty(reads);
        Assert.Equal(new WatchEnd(WatchEndReason.FellBehind, 2), end);
        Assert.Equal(0, slow.QueuedBytes);
        Assert.Equal([.. Enumerable.Range(1, 20).Select(i => (ulong)i)], delivered);
        Assert.Equal(0, machine.Changes.QueuedBytes);

        using var resumed = machine.Watch("k", from: end!.Index);
        Assert.Equal([.. Enumerable.Range(2, 19).Select(i => (ulong)i)], Indexes((await resumed.DrainAsync()).Reads));
    }

    [Fact]
    public async Task The_bound_on_all_queues_together_drops_a_lagging_watcher_and_a_watcher_that_keeps_up_takes_1_MiB_values()
    {
        var machine = Machine(new ChangeFeedOptions { WatcherQueueBytes = 3L << 20, AllWatchersQueueBytes = 7L << 19 });
        Watcher[] watchers = [machine.Watch("k"), machine.Watch("k")];
        foreach (var watcher in watchers)
        {
            Assert.Empty((await watcher.DrainAsync()).Reads); // now following
        }
        Put(machine, 1, "k", KeyValueLimits.MaxValueBytes);
        Put(machine, 2, "k", KeyValueLimits.MaxValueBytes); // 2 MiB queued for each would pass the 3.5 MiB of all queues: the second offered falls behind

        var kept = Assert.Single(watchers, w => !w.FellBehind.IsCompleted);
        var dropped = Assert.Single(watchers, w => w.FellBehind.IsCompleted);
        Assert.Equal([1UL, 2], Indexes((await kept.DrainAsync()).Reads));
        for (ulong i = 3; i <= 10; i++)
        {
            Put(machine, i, "k", KeyValueLimits.MaxValueBytes);
            var read = Assert.Single((await kept.DrainAsync()).Reads);
            Assert.Equal(KeyValueLimits.MaxValueBytes, Assert.Single(Assert.Single(read).Events).Value.Length);
        }
        Assert.Equal(new WatchEnd(WatchEndReason.FellBehind, 1), (await dropped.DrainAsync()).End);
        Array.ForEach(watchers, w => w.Dispose());
        Assert.Equal(0, machine.Changes.QueuedBytes);
    }

    [Fact]
    public async Task A_snapshot_that_skips_changes_ends_the_watchers_that_would_miss_them_after_what_they_were_sent()
    {
        var leader = new KeyValueStateMachine();
        var follower = new KeyValueStateMachine();
        for (ulong i = 1; i <= 3; i++)
        {
            Put(leader, i, "k");
            Put(follower, i, "k");
        }
        using var watcher = follower.Watch("k", from: 2);
        using var future = follower.Watch("k", from: 8);
        Assert.Equal([2UL, 3], Indexes((await watcher.DrainAsync()).Reads));
        Put(leader, 4, "k");
        Put(follower, 4, "k");
        for (ulong i = 5; i <= 6; i++)
        {
            Put(leader, i, "k");
        }
        Assert.Empty((await future.DrainAsync()).Reads);

        follower.Restore(leader.Snapshot());
        Put(follower, 8, "k");

        var (reads, end) = await watcher.DrainAsync();
        Assert.Equal([4UL], Indexes(reads));
        Assert.Equal(new WatchEnd(WatchEndReason.OutOfRange, 7), end);
        Assert.Equal([8UL], Indexes((await future.DrainAsync()).Reads));
    }

    [Fact]
    public async Task Every_change_reaches_watchers_in_order_once_while_commands_are_applied_on_another_thread()
    {
        var machine = Machine(new ChangeFeedOptions { WatcherQueueBytes = 64L << 20 });
        const int Commands = 3000;
        var expected = new List<string>();
        using var all = machine.Watch("", prefix: true, from: 1);
        using var ones = machine.Watch("1", prefix: true, from: 1);
        var apply = Task.Run(() =>
        {
            var random = new Random(7);
            for (ulong i = 1; i <= Commands; i++)
            {
                string key = i == Commands ? "1" : random.Next(20).ToString(System.Globalization.CultureInfo.InvariantCulture);
                var result = random.Next(4) == 0 && i < Commands ? machine.Run(i, new DeleteCommand(key)) : machine.Run(i, new PutCommand(key, Kv.Bytes($"v{i}")));
                if (result is PutResult)
                {
                    expected.Add($"{i} put {key}=v{i}");
                }
                else if (result is DeleteResult { Existed: true })
                {
                    expected.Add($"{i} delete {key}");
                }
            }
        });

        var seen = await Task.WhenAll(ReadUntilAsync(all, Commands), ReadUntilAsync(ones, Commands));
        await apply;
        var (seenAll, seenOnes) = (seen[0], seen[1]);

        Assert.Equal(expected, seenAll);
        Assert.Equal([.. expected.Where(e => e.Split(' ')[2].StartsWith('1'))], seenOnes);
    }

    [Fact]
    public async Task Among_thousands_of_watchers_a_change_reaches_exactly_those_that_follow_its_key()
    {
        var machine = new KeyValueStateMachine();
        var byKey = Enumerable.Range(0, 3000).Select(i => machine.Watch($"key/{i}")).ToList();
        var byPrefix = new[] { "", "key/", "key/1", "key/12", "key/123", "other" }.Select(prefix => machine.Watch(prefix, prefix: true)).ToList();
        foreach (var watcher in byKey.Concat(byPrefix))
        {
            Assert.Empty((await watcher.DrainAsync()).Reads); // now following
        }

        machine.Run(1, new PutCommand("key/123", Kv.Bytes("a")));
        machine.Run(2, new PutCommand("key/1", Kv.Bytes("b")));

        var received = new List<string>();
        foreach (var watcher in byKey.Concat(byPrefix))
        {
            received.AddRange((await watcher.EventsAsync()).Select(change => $"{watcher.Filter.Key}{(watcher.Filter.IsPrefix ? "*" : "")}: {change}"));
            watcher.Dispose();
        }
        Assert.Equal(
            ["key/1: 2 put key/1=b", "key/123: 1 put key/123=a", "*: 1 put key/123=a", "*: 2 put key/1=b", "key/*: 1 put key/123=a", "key/*: 2 put key/1=b",
                "key/1*: 1 put key/123=a", "key/1*: 2 put key/1=b", "key/12*: 1 put key/123=a", "key/123*: 1 put key/123=a"],
            received);
        Assert.Equal(0, machine.Changes.WatcherCount);
    }

    [Fact]
    public void The_feed_refuses_watchers_beyond_its_bound_and_counts_those_that_leave()
    {
        var machine = Machine(new ChangeFeedOptions { MaxWatchers = 2 });
        var a = machine.Watch("a");
        using var b = machine.Watch("b", prefix: true);

        Assert.Null(machine.Changes.TryWatch(new WatchFilter("c", false), 0));
        a.Dispose();
        a.Dispose();
        using var c = machine.Watch("c");
        Assert.Equal(2, machine.Changes.WatcherCount);
        Assert.Throws<ArgumentException>(() => machine.Changes.TryWatch(new WatchFilter("", false), 0));
    }

    /// <summary>Reads until the batch at <paramref name="lastIndex"/>, checking that indexes grow.</summary>
    private static async Task<List<string>> ReadUntilAsync(Watcher watcher, ulong lastIndex)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var seen = new List<string>();
        ulong index = 0;
        while (index < lastIndex)
        {
            var read = await watcher.ReadAsync(64 * 1024, timeout.Token);
            Assert.Null(read.End);
            foreach (var batch in read.Batches)
            {
                Assert.True(batch.Index > index, $"batch {batch.Index} after {index}");
                index = batch.Index;
                seen.AddRange(WatchKit.Describe(batch));
            }
        }
        return seen;
    }
}
