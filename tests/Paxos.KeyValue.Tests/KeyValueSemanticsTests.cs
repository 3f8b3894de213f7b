using Paxos.Core;

namespace Paxos.KeyValue.Tests;

public class KeyValueSemanticsTests
{
    private readonly KeyValueStateMachine _machine = new();

    [Fact]
    public void A_missing_key_reads_as_absent_with_index_0()
    {
        Assert.False(_machine.TryGet("k", out ReadOnlyMemory<byte> value, out ulong index));
        Assert.True(value.IsEmpty);
        Assert.Equal(0UL, index);
    }

    [Fact]
    public void Put_then_get_returns_the_value_and_the_index_of_the_put()
    {
        var put = Assert.IsType<PutResult>(_machine.Run(3, new PutCommand("k", Kv.Bytes("v1"))));
        Assert.Equal(3UL, put.Index);
        Assert.Equal("v1", _machine.GetString("k", out ulong index));
        Assert.Equal(3UL, index);

        _machine.Run(4, new PutCommand("other", Kv.Bytes("x")));
        _machine.Run(9, new PutCommand("k", Kv.Bytes("v2")));

        Assert.Equal("v2", _machine.GetString("k", out index));
        Assert.Equal(9UL, index);
        Assert.Equal(2, _machine.Count);
        Assert.Equal(9UL, _machine.LastAppliedIndex);
    }

    [Fact]
    public void A_value_read_earlier_is_unchanged_by_later_writes()
    {
        _machine.Run(1, new PutCommand("k", Kv.Bytes("old")));
        Assert.True(_machine.TryGet("k", out ReadOnlyMemory<byte> before, out _));

        _machine.Run(2, new PutCommand("k", Kv.Bytes("new")));

        Assert.Equal(Kv.Bytes("old"), before.ToArray());
    }

    [Fact]
    public void Get_does_not_allocate()
    {
        _machine.Run(1, new PutCommand("present", Kv.Bytes("v")));
        _machine.TryGet("present", out _, out _);
        _machine.TryGet("absent", out _, out _);

        // The least of a few rounds: the runtime may allocate on this thread while it recompiles the
        // loop (tiered compilation, on-stack replacement); a Get that allocates does so in every round.
        long least = long.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                _machine.TryGet("present", out _, out _);
                _machine.TryGet("absent", out _, out _);
            }
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, least);
    }

    [Fact]
    public void Delete_reports_whether_the_key_existed_and_removes_it()
    {
        _machine.Run(1, new PutCommand("k", Kv.Bytes("v")));

        var first = Assert.IsType<DeleteResult>(_machine.Run(2, new DeleteCommand("k")));
        var second = Assert.IsType<DeleteResult>(_machine.Run(3, new DeleteCommand("k")));

        Assert.True(first.Existed);
        Assert.Equal(2UL, first.Index);
        Assert.False(second.Existed);
        Assert.Equal(3UL, second.Index);
        Assert.Null(_machine.GetString("k", out ulong index));
        Assert.Equal(0UL, index);
        Assert.Equal(0, _machine.Count);
    }

    [Fact]
    public void Cas_expecting_absent_succeeds_on_a_missing_key_and_fails_on_a_present_one()
    {
        var created = Assert.IsType<CasResult>(_machine.Run(1, new CompareAndSwapCommand("k", true, [], Kv.Bytes("a"))));
        Assert.True(created.Succeeded);
        Assert.False(created.Found);
        Assert.Equal(1UL, created.Index);
        Assert.True(created.CurrentValue.IsEmpty);

        var refused = Assert.IsType<CasResult>(_machine.Run(2, new CompareAndSwapCommand("k", true, [], Kv.Bytes("b"))));
        Assert.False(refused.Succeeded);
        Assert.True(refused.Found);
        Assert.Equal(Kv.Bytes("a"), refused.CurrentValue.ToArray());
        Assert.Equal(1UL, refused.Index);
        Assert.Equal("a", _machine.GetString("k", out ulong index));
        Assert.Equal(1UL, index);
    }

    [Fact]
    public void Cas_with_a_matching_value_swaps_and_a_mismatch_changes_nothing()
    {
        _machine.Run(1, new PutCommand("k", Kv.Bytes("a")));

        var swapped = Assert.IsType<CasResult>(_machine.Run(2, new CompareAndSwapCommand("k", false, Kv.Bytes("a"), Kv.Bytes("b"))));
        var mismatch = Assert.IsType<CasResult>(_machine.Run(3, new CompareAndSwapCommand("k", false, Kv.Bytes("a"), Kv.Bytes("c"))));

        Assert.True(swapped.Succeeded);
        Assert.True(swapped.Found);
        Assert.Equal(2UL, swapped.Index);
        Assert.False(mismatch.Succeeded);
        Assert.True(mismatch.Found);
        Assert.Equal(Kv.Bytes("b"), mismatch.CurrentValue.ToArray());
        Assert.Equal(2UL, mismatch.Index);
        Assert.Equal("b", _machine.GetString("k", out ulong index));
        Assert.Equal(2UL, index);
    }

    [Fact]
    public void Cas_expecting_a_value_fails_on_a_missing_key_even_for_an_empty_expected_value()
    {
        var result = Assert.IsType<CasResult>(_machine.Run(1, new CompareAndSwapCommand("k", false, [], Kv.Bytes("x"))));

        Assert.False(result.Succeeded);
        Assert.False(result.Found);
        Assert.Equal(0UL, result.Index);
        Assert.Equal(0, _machine.Count);
    }

    [Fact]
    public void Cas_on_a_deleted_key_sees_it_as_absent()
    {
        _machine.Run(1, new PutCommand("k", Kv.Bytes("a")));
        _machine.Run(2, new DeleteCommand("k"));

        var expectingOld = Assert.IsType<CasResult>(_machine.Run(3, new CompareAndSwapCommand("k", false, Kv.Bytes("a"), Kv.Bytes("b"))));
        var expectingAbsent = Assert.IsType<CasResult>(_machine.Run(4, new CompareAndSwapCommand("k", true, [], Kv.Bytes("c"))));

        Assert.False(expectingOld.Succeeded);
        Assert.False(expectingOld.Found);
        Assert.True(expectingAbsent.Succeeded);
        Assert.False(expectingAbsent.Found);
        Assert.Equal("c", _machine.GetString("k", out ulong index));
        Assert.Equal(4UL, index);
    }

    [Fact]
    public void The_index_must_grow_strictly()
    {
        Assert.Throws<InvariantViolationException>(() => _machine.Run(0, new PutCommand("k", [])));
        _machine.Run(5, new PutCommand("k", Kv.Bytes("a")));

        Assert.Throws<InvariantViolationException>(() => _machine.Run(5, new PutCommand("k", Kv.Bytes("b"))));
        Assert.Throws<InvariantViolationException>(() => _machine.Run(4, new PutCommand("k", Kv.Bytes("b"))));
        Assert.Equal("a", _machine.GetString("k", out _));
        Assert.Equal(5UL, _machine.LastAppliedIndex);
    }

    [Fact]
    public void Write_indexes_are_the_indexes_the_driver_applies_at()
    {
        var indexes = new List<ulong>();
        for (ulong index = 1; index <= 12; index++)
        {
            KeyValueResult result = _machine.Run(index * 3, new PutCommand($"k{index % 3}", Kv.Bytes("v")));
            indexes.Add(Assert.IsType<PutResult>(result).Index);
        }
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (ulong)i * 3), indexes);
        _machine.TryGet("k0", out _, out ulong last);
        Assert.Equal(36UL, last);
    }

    [Fact]
    public void Malformed_or_invalid_commands_are_rejected_without_changing_the_data()
    {
        _machine.Run(1, new PutCommand("k", Kv.Bytes("a")));

        var malformed = Assert.IsType<RejectedResult>(KeyValueResultCodec.Decode(_machine.Apply(2, [1, 99])));
        var emptyKey = Assert.IsType<RejectedResult>(_machine.Run(3, new PutCommand("", Kv.Bytes("x"))));
        var longKey = Assert.IsType<RejectedResult>(_machine.Run(4, new DeleteCommand(new string('k', 1025))));
        var bigValue = Assert.IsType<RejectedResult>(_machine.Run(5, new PutCommand("k", new byte[KeyValueLimits.MaxValueBytes + 1])));

        Assert.Contains("unknown command tag 99", malformed.Reason, StringComparison.Ordinal);
        Assert.Contains("empty", emptyKey.Reason, StringComparison.Ordinal);
        Assert.Contains("1025", longKey.Reason, StringComparison.Ordinal);
        Assert.Contains("1048577", bigValue.Reason, StringComparison.Ordinal);
        Assert.Equal("a", _machine.GetString("k", out ulong index));
        Assert.Equal(1UL, index);
        Assert.Equal(5UL, _machine.LastAppliedIndex);
    }

    [Fact]
    public void A_value_of_exactly_1_MiB_is_stored()
    {
        byte[] value = new byte[KeyValueLimits.MaxValueBytes];
        value[^1] = 7;

        Assert.IsType<PutResult>(_machine.Run(1, new PutCommand("big", value)));

        Assert.True(_machine.TryGet("big", out ReadOnlyMemory<byte> stored, out _));
        Assert.Equal(value, stored.ToArray());
    }

    [Fact]
    public void Invalid_options_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new KeyValueStateMachine(new KeyValueStateMachineOptions { MaxClients = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KeyValueStateMachine(new KeyValueStateMachineOptions { MaxCachedResultBytes = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KeyValueStateMachine(new KeyValueStateMachineOptions { ClientExpiryIndexes = 0 }));
    }
}
