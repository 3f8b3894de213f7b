namespace Paxos.KeyValue.Tests;

public class ExactlyOnceTests
{
    [Fact]
    public void A_retried_put_returns_the_first_result_and_is_not_applied_again()
    {
        var machine = new KeyValueStateMachine();
        byte[] first = machine.Apply(1, KeyValueCommandCodec.Encode(new PutCommand("k", Kv.Bytes("a"), "c", 1)));
        machine.Run(2, new PutCommand("k", Kv.Bytes("b")));

        byte[] retry = machine.Apply(3, KeyValueCommandCodec.Encode(new PutCommand("k", Kv.Bytes("a"), "c", 1)));

        Assert.Equal(first, retry);
        Assert.Equal(1UL, Assert.IsType<PutResult>(KeyValueResultCodec.Decode(retry)).Index);
        Assert.Equal("b", machine.GetString("k", out ulong index));
        Assert.Equal(2UL, index);
    }

    [Fact]
    public void A_retried_cas_gets_its_success_again_rather_than_a_failure()
    {
        var machine = new KeyValueStateMachine();
        var command = new CompareAndSwapCommand("lock", true, [], Kv.Bytes("owner"), "c", 10);

        var first = Assert.IsType<CasResult>(machine.Run(1, command));
        var retry = Assert.IsType<CasResult>(machine.Run(2, command));

        Assert.True(first.Succeeded);
        Assert.True(retry.Succeeded);
        Assert.Equal(1UL, retry.Index);
        machine.TryGet("lock", out _, out ulong index);
        Assert.Equal(1UL, index);
    }

    [Fact]
    public void A_retried_delete_reports_that_the_key_existed()
    {
        var machine = new KeyValueStateMachine();
        machine.Run(1, new PutCommand("k", Kv.Bytes("a")));
        machine.Run(2, new DeleteCommand("k", "c", 4));
        machine.Run(3, new PutCommand("k", Kv.Bytes("again")));

        var retry = Assert.IsType<DeleteResult>(machine.Run(4, new DeleteCommand("k", "c", 4)));

        Assert.True(retry.Existed);
        Assert.Equal(2UL, retry.Index);
        Assert.Equal("again", machine.GetString("k", out _));
    }

    [Fact]
    public void The_retry_gets_a_copy_that_cannot_alter_the_cached_result()
    {
        var machine = new KeyValueStateMachine();
        byte[] command = KeyValueCommandCodec.Encode(new PutCommand("k", Kv.Bytes("a"), "c", 1));
        byte[] first = machine.Apply(1, command);
        first[^1] ^= 0xFF;

        byte[] retry = machine.Apply(2, command);

        Assert.Equal(1UL, Assert.IsType<PutResult>(KeyValueResultCodec.Decode(retry)).Index);
    }

    [Fact]
    public void A_lower_request_id_is_stale_and_not_applied()
    {
        var machine = new KeyValueStateMachine();
        machine.Run(1, new PutCommand("k", Kv.Bytes("five"), "c", 5));

        var stale = Assert.IsType<StaleRequestResult>(machine.Run(2, new PutCommand("k", Kv.Bytes("four"), "c", 4)));

        Assert.Equal(5UL, stale.LatestRequestId);
        Assert.Equal("five", machine.GetString("k", out _));
    }

    [Fact]
    public void A_higher_request_id_is_applied_and_becomes_the_cached_one()
    {
        var machine = new KeyValueStateMachine();
        machine.Run(1, new PutCommand("k", Kv.Bytes("a"), "c", 1));
        var second = Assert.IsType<PutResult>(machine.Run(2, new PutCommand("k", Kv.Bytes("b"), "c", 2)));

        Assert.Equal(2UL, second.Index);
        Assert.IsType<StaleRequestResult>(machine.Run(3, new PutCommand("k", Kv.Bytes("a"), "c", 1)));
        Assert.Equal(2UL, Assert.IsType<PutResult>(machine.Run(4, new PutCommand("k", Kv.Bytes("b"), "c", 2))).Index);
        Assert.Equal("b", machine.GetString("k", out _));
    }

    [Fact]
    public void An_empty_client_id_turns_deduplication_off()
    {
        var machine = new KeyValueStateMachine();
        var first = Assert.IsType<DeleteResult>(machine.Run(1, new DeleteCommand("k", "", 1)));
        machine.Run(2, new PutCommand("k", Kv.Bytes("v")));
        var second = Assert.IsType<DeleteResult>(machine.Run(3, new DeleteCommand("k", "", 1)));

        Assert.False(first.Existed);
        Assert.True(second.Existed);
        Assert.Equal(0, machine.ClientCount);
    }

    [Fact]
    public void Clients_are_distinguished_by_their_id()
    {
        var machine = new KeyValueStateMachine();
        machine.Run(1, new PutCommand("k", Kv.Bytes("a"), "client-a", 1));
        var other = Assert.IsType<PutResult>(machine.Run(2, new PutCommand("k", Kv.Bytes("b"), "client-b", 1)));

        Assert.Equal(2UL, other.Index);
        Assert.Equal(2, machine.ClientCount);
    }

    [Fact]
    public void A_rejected_command_is_not_remembered_so_a_corrected_one_with_the_same_id_applies()
    {
        var machine = new KeyValueStateMachine();
        Assert.IsType<RejectedResult>(machine.Run(1, new PutCommand("", Kv.Bytes("a"), "c", 1)));

        Assert.IsType<PutResult>(machine.Run(2, new PutCommand("k", Kv.Bytes("a"), "c", 1)));
        Assert.Equal("a", machine.GetString("k", out _));
    }

    [Fact]
    public void Beyond_max_clients_the_least_recently_written_client_is_forgotten()
    {
        var machine = new KeyValueStateMachine(new KeyValueStateMachineOptions { MaxClients = 3 });
        machine.Run(1, new PutCommand("k", Kv.Bytes("1"), "c1", 1));
        machine.Run(2, new PutCommand("k", Kv.Bytes("2"), "c2", 1));
        machine.Run(3, new PutCommand("k", Kv.Bytes("3"), "c3", 1));
        machine.Run(4, new PutCommand("k", Kv.Bytes("1b"), "c1", 2)); // c1 is now the most recent
        machine.Run(5, new PutCommand("k", Kv.Bytes("4"), "c4", 1)); // evicts c2

        Assert.Equal(3, machine.ClientCount);
        // c2 was forgotten: its retry is applied again, at the new index.
        Assert.Equal(6UL, Assert.IsType<PutResult>(machine.Run(6, new PutCommand("k", Kv.Bytes("2"), "c2", 1))).Index);
        // That evicted c3; c1 and c4 are still remembered.
        Assert.Equal(4UL, Assert.IsType<PutResult>(machine.Run(7, new PutCommand("k", Kv.Bytes("1b"), "c1", 2))).Index);
        Assert.Equal(5UL, Assert.IsType<PutResult>(machine.Run(8, new PutCommand("k", Kv.Bytes("4"), "c4", 1))).Index);
        Assert.Equal(9UL, Assert.IsType<PutResult>(machine.Run(9, new PutCommand("k", Kv.Bytes("3"), "c3", 1))).Index);
    }

    [Fact]
    public void Clients_expire_once_their_last_write_is_older_than_the_window()
    {
        var machine = new KeyValueStateMachine(new KeyValueStateMachineOptions { ClientExpiryIndexes = 10 });
        machine.Run(1, new PutCommand("k", Kv.Bytes("a"), "c", 1));
        machine.Run(2, new PutCommand("k", Kv.Bytes("b"), "d", 1));

        // At index 11 c's write (index 1) is exactly 10 old: still remembered.
        Assert.Equal(1UL, Assert.IsType<PutResult>(machine.Run(11, new PutCommand("k", Kv.Bytes("a"), "c", 1))).Index);
        Assert.Equal(2, machine.ClientCount);

        // At index 12 d's write (index 2) is exactly 10 old: still remembered.
        Assert.Equal(2UL, Assert.IsType<PutResult>(machine.Run(12, new PutCommand("k", Kv.Bytes("b"), "d", 1))).Index);

        // At index 13 c's write is 12 old: forgotten, so its retry applies again.
        Assert.Equal(13UL, Assert.IsType<PutResult>(machine.Run(13, new PutCommand("k", Kv.Bytes("a"), "c", 1))).Index);
        Assert.Equal(1, machine.ClientCount);
    }

    [Fact]
    public void Cached_result_bytes_are_bounded_but_the_latest_client_is_always_kept()
    {
        var machine = new KeyValueStateMachine(new KeyValueStateMachineOptions { MaxCachedResultBytes = 1000 });
        byte[] big = new byte[5000];
        machine.Run(1, new PutCommand("k", big));
        machine.Run(2, new PutCommand("x", [], "small-1", 1));
        machine.Run(3, new PutCommand("x", [], "small-2", 1));
        Assert.Equal(2, machine.ClientCount);

        // A failed compare-and-swap caches the 5000-byte current value: over the bound alone.
        var failed = Assert.IsType<CasResult>(machine.Run(4, new CompareAndSwapCommand("k", true, [], [], "big-reader", 1)));

        Assert.False(failed.Succeeded);
        Assert.Equal(1, machine.ClientCount);
        var retry = Assert.IsType<CasResult>(machine.Run(5, new CompareAndSwapCommand("k", true, [], [], "big-reader", 1)));
        Assert.Equal(big.Length, retry.CurrentValue.Length);
    }

    [Fact]
    public void The_table_stays_bounded_and_two_replicas_evict_the_same_clients()
    {
        var options = new KeyValueStateMachineOptions { MaxClients = 50, ClientExpiryIndexes = 500 };
        var a = new KeyValueStateMachine(options);
        var b = new KeyValueStateMachine(options);
        var random = new Random(99);
        for (ulong index = 1; index <= 3000; index++)
        {
            byte[] command = KeyValueCommandCodec.Encode(
                new PutCommand($"k{random.Next(20)}", Kv.Bytes("v"), $"client-{random.Next(400)}", (ulong)random.Next(1, 4)));
            Assert.Equal(a.Apply(index, command), b.Apply(index, command));
            Assert.InRange(a.ClientCount, 1, 50);
        }
        Assert.Equal(a.Snapshot(), b.Snapshot());
    }
}
