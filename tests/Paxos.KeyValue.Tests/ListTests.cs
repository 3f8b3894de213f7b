namespace Paxos.KeyValue.Tests;

public class ListTests
{
    private readonly KeyValueStateMachine _machine = new();

    private void Put(params string[] keys)
    {
        foreach (string key in keys)
        {
            _machine.Run(_machine.LastAppliedIndex + 1, new PutCommand(key, Kv.Bytes("v-" + key)));
        }
    }

    private string[] Keys(string prefix, string startAfter = "", int limit = 100) =>
        [.. _machine.List(prefix, startAfter, limit).Items.Select(item => item.Key)];

    [Fact]
    public void Keys_with_the_prefix_come_in_utf8_byte_order()
    {
        // U+FFFD sorts before U+1F511 in UTF-8 (and code point) order, after it in UTF-16 ordinal order.
        Put("a/🔑", "a/\uFFFD", "a/2", "a/10", "b", "a", "a0", "a/", "a/é");

        Assert.Equal(["a/", "a/10", "a/2", "a/é", "a/\uFFFD", "a/🔑"], Keys("a/"));
        Assert.Equal(["a", "a/", "a/10", "a/2", "a/é", "a/\uFFFD", "a/🔑", "a0", "b"], Keys(""));
        Assert.Empty(Keys("c"));
    }

    [Fact]
    public void Items_carry_values_and_the_index_of_their_last_write_and_the_page_its_read_index()
    {
        Put("k1", "k2");
        _machine.Run(3, new PutCommand("k1", Kv.Bytes("new")));
        _machine.Run(4, new PutCommand("other", Kv.Bytes("x")));

        KeyValuePage page = _machine.List("k", "", 10);

        Assert.Equal(4UL, page.ReadIndex);
        Assert.Collection(page.Items,
            item => Assert.Equal(("k1", "new", 3UL), (item.Key, System.Text.Encoding.UTF8.GetString(item.Value.Span), item.Index)),
            item => Assert.Equal(("k2", "v-k2", 2UL), (item.Key, System.Text.Encoding.UTF8.GetString(item.Value.Span), item.Index)));
        Assert.False(page.More);
    }

    [Fact]
    public void Pages_follow_start_after_and_more_is_true_exactly_when_keys_follow()
    {
        Put("p/1", "p/2", "p/3", "p/4", "q");

        KeyValuePage first = _machine.List("p/", "", 2);
        KeyValuePage second = _machine.List("p/", first.Items[^1].Key, 2);
        KeyValuePage third = _machine.List("p/", second.Items[^1].Key, 2);

        Assert.Equal(["p/1", "p/2"], first.Items.Select(item => item.Key));
        Assert.True(first.More);
        Assert.Equal(["p/3", "p/4"], second.Items.Select(item => item.Key));
        Assert.False(second.More);
        Assert.Empty(third.Items);
        Assert.False(third.More);
        Assert.True(_machine.List("p/", "", 3).More);
        Assert.False(_machine.List("p/", "", 4).More);
    }

    [Fact]
    public void Start_after_need_not_exist_nor_lie_within_the_prefix()
    {
        Put("p/1", "p/3", "p/5");

        Assert.Equal(["p/3", "p/5"], Keys("p/", "p/2"));
        Assert.Equal(["p/1", "p/3", "p/5"], Keys("p/", "a"));
        Assert.Empty(Keys("p/", "q"));
        Assert.Equal(["p/5"], Keys("", "p/3"));
    }

    [Fact]
    public void A_page_stops_before_its_bytes_would_pass_the_bound()
    {
        byte[] mebibyte = new byte[KeyValueLimits.MaxValueBytes];
        for (ulong i = 1; i <= 4; i++)
        {
            _machine.Run(i, new PutCommand($"big/{i}", mebibyte));
        }

        KeyValuePage first = _machine.List("big/", "", 1000);
        KeyValuePage second = _machine.List("big/", first.Items[^1].Key, 1000);

        // Each item counts 1 MiB + 5 key bytes + 32; three would pass 3 MiB.
        Assert.Equal(2, first.Items.Count);
        Assert.True(first.More);
        Assert.Equal(2, second.Items.Count);
        Assert.False(second.More);
        Assert.True(2L * (KeyValueLimits.MaxValueBytes + KeyValueLimits.MaxKeyBytes + KeyValueLimits.ListItemOverheadBytes) <= KeyValueLimits.MaxListPageBytes);
    }

    [Fact]
    public void Deleted_keys_leave_the_listing_and_a_restored_snapshot_lists_alike()
    {
        Put("d/1", "d/2", "d/3");
        _machine.Run(4, new DeleteCommand("d/2"));
        var restored = new KeyValueStateMachine();

        restored.Restore(_machine.Snapshot());

        Assert.Equal(["d/1", "d/3"], Keys("d/"));
        Assert.Equal(["d/1", "d/3"], restored.List("d/", "", 10).Items.Select(item => item.Key));
        Assert.Equal(4UL, restored.List("d/", "", 10).ReadIndex);
    }

    [Fact]
    public async Task A_page_is_a_consistent_cut_never_the_middle_of_a_transaction()
    {
        // Each transaction moves one token between two keys; a cut always holds exactly one.
        _machine.Run(1, new PutCommand("token/0", Kv.Bytes("t")));
        using var done = new CancellationTokenSource();
        int inconsistent = 0;
        long pages = 0;
        var listerRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lister = Task.Run(() =>
        {
            listerRunning.SetResult();
            while (!done.IsCancellationRequested)
            {
                KeyValuePage page = _machine.List("token/", "", 100);
                if (page.Items.Count != 1 || page.Items[0].Index != page.ReadIndex)
                {
                    Interlocked.Increment(ref inconsistent);
                }
                Interlocked.Increment(ref pages);
            }
        });

        await listerRunning.Task;
        for (ulong index = 2; index <= 20_000; index++)
        {
            string from = $"token/{(index - 2) % 7}";
            string to = $"token/{(index - 1) % 7}";
            _machine.Run(index, new TxnCommand([], [new TxnDelete(from), new TxnPut(to, Kv.Bytes("t"))], []));
        }
        await done.CancelAsync();
        await lister;

        Assert.Equal(0, inconsistent);
        Assert.True(Interlocked.Read(ref pages) > 0);
    }
}
