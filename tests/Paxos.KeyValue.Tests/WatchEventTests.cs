using Paxos.KeyValue.Watching;

namespace Paxos.KeyValue.Tests;

/// <summary>Which changes each command publishes to the store's <see cref="ChangeFeed"/>: every put, every delete of a key that existed, nothing else.</summary>
public class WatchEventTests
{
    private readonly KeyValueStateMachine _machine = new();

    [Fact]
    public async Task Puts_publish_every_write_also_of_an_equal_value_and_deletes_only_of_keys_that_existed()
    {
        using var watcher = _machine.Watch("k");

        _machine.Run(1, new PutCommand("k", Kv.Bytes("a")));
        _machine.Run(2, new PutCommand("k", Kv.Bytes("a")));
        _machine.Run(3, new DeleteCommand("k"));
        _machine.Run(4, new DeleteCommand("k"));
        _machine.Run(5, new PutCommand("other", Kv.Bytes("x")));
        _machine.Run(6, new DeleteCommand("never"));

        Assert.Equal(["1 put k=a", "2 put k=a", "3 delete k"], await watcher.EventsAsync());
    }

    [Fact]
    public async Task A_compare_and_swap_publishes_a_put_only_when_it_succeeds()
    {
        using var watcher = _machine.Watch("k");

        _machine.Run(1, new CompareAndSwapCommand("k", true, [], Kv.Bytes("first")));
        _machine.Run(2, new CompareAndSwapCommand("k", true, [], Kv.Bytes("again")));
        _machine.Run(3, new CompareAndSwapCommand("k", false, Kv.Bytes("wrong"), Kv.Bytes("x")));
        _machine.Run(4, new CompareAndSwapCommand("k", false, Kv.Bytes("first"), Kv.Bytes("second")));

        Assert.Equal(["1 put k=first", "4 put k=second"], await watcher.EventsAsync());
    }

    [Fact]
    public async Task A_transaction_publishes_all_its_changes_at_its_one_index_in_one_read()
    {
        _machine.Run(1, new PutCommand("t/gone", Kv.Bytes("old")));
        using var all = _machine.Watch("t/", prefix: true);
        using var one = _machine.Watch("t/b");

        var txn = new TxnCommand([], [new TxnPut("t/a", Kv.Bytes("1")), new TxnGet("t/a"), new TxnPut("t/b", Kv.Bytes("2")), new TxnDelete("t/gone"), new TxnDelete("t/absent")], []);
        Assert.IsType<TxnResult>(_machine.Run(2, txn));

        var (reads, end) = await all.DrainAsync();
        Assert.Null(end);
        var batch = Assert.Single(Assert.Single(reads));
        Assert.Equal(["2 put t/a=1", "2 put t/b=2", "2 delete t/gone"], WatchKit.Describe(batch));
        Assert.Equal(["2 put t/b=2"], await one.EventsAsync());
    }

    [Fact]
    public async Task A_lease_that_expires_or_is_revoked_publishes_one_delete_per_attached_key_at_its_one_index()
    {
        var epoch = new Paxos.Core.Ballot(1, 0);
        _machine.Run(1, new LeaseEpochCommand(epoch));
        _machine.Run(2, new LeaseGrantCommand(1_000));
        _machine.Run(3, new LeaseGrantCommand(1_000));
        using var watcher = _machine.Watch("l/", prefix: true);

        _machine.Run(4, new PutCommand("l/a", Kv.Bytes("1"), leaseId: 2));
        _machine.Run(5, new PutCommand("l/b", Kv.Bytes("2"), leaseId: 2));
        _machine.Run(6, new PutCommand("l/c", Kv.Bytes("3"), leaseId: 3));
        _machine.Run(7, new LeaseExpireCommand(2, new Paxos.Core.Ballot(0, 1)));   // decided in another epoch: changes nothing
        _machine.Run(8, new LeaseExpireCommand(2, epoch));
        _machine.Run(9, new LeaseRevokeCommand(3));
        _machine.Run(10, new LeaseRevokeCommand(3));                             // gone already: nothing

        var (reads, end) = await watcher.DrainAsync();
        Assert.Null(end);
        var batches = reads.SelectMany(read => read).ToList();
        Assert.Equal([4UL, 5UL, 6UL, 8UL, 9UL], batches.Select(batch => batch.Index));
        Assert.Equal(["8 delete l/a", "8 delete l/b"], WatchKit.Describe(batches[3]));
        Assert.Equal(["9 delete l/c"], WatchKit.Describe(batches[4]));
    }

    [Fact]
    public async Task Commands_that_change_nothing_publish_nothing()
    {
        _machine.Run(1, new PutCommand("k", Kv.Bytes("v"), "client", 1));
        using var watcher = _machine.Watch("", prefix: true);

        _machine.Run(2, new PutCommand("k", Kv.Bytes("retry"), "client", 1));               // a retry: answered from the exactly-once table
        _machine.Run(3, new PutCommand("k", Kv.Bytes("stale"), "client", 0));               // an older request
        _machine.Run(4, new TxnCommand([TxnCompare.OnExists("k", CompareOperator.Equal, false)], [new TxnPut("k", Kv.Bytes("no"))], [new TxnGet("k")]));
        _machine.Apply(5, [0xFF, 0x00]);                                                     // does not decode
        _machine.Run(6, new PutCommand("", Kv.Bytes("v")));                                 // outside the limits
        _machine.Run(7, new PutCommand("big", new byte[KeyValueLimits.MaxValueBytes]));
        var resultTooLarge = new TxnCommand([], [new TxnPut("k2", Kv.Bytes("x")), new TxnGet("big"), new TxnGet("big"), new TxnGet("big")], []);
        Assert.IsType<RejectedResult>(_machine.Run(8, resultTooLarge));                    // its gets return too much: it changes nothing

        Assert.Equal([7UL], (await watcher.DrainAsync()).Reads.SelectMany(read => read).Select(batch => batch.Index));
    }

    [Fact]
    public async Task A_restored_snapshot_makes_earlier_indexes_unavailable_and_later_ones_flow()
    {
        _machine.Run(1, new PutCommand("k", Kv.Bytes("a")));
        _machine.Run(2, new PutCommand("k", Kv.Bytes("b")));
        var restored = new KeyValueStateMachine();
        restored.Restore(_machine.Snapshot());

        Assert.Equal(3UL, restored.Changes.FirstAvailableIndex);
        using var early = restored.Watch("k", from: 2);
        Assert.Equal(new WatchEnd(WatchEndReason.OutOfRange, 3), (await early.DrainAsync()).End);
        using var fromNow = restored.Watch("k");
        Assert.Equal(3UL, fromNow.NextIndex);
        restored.Run(3, new DeleteCommand("k"));
        Assert.Equal(["3 delete k"], await fromNow.EventsAsync());
    }
}
