namespace Paxos.KeyValue.Tests;

public class TxnTests
{
    private readonly KeyValueStateMachine _machine = new();

    private static TxnCommand If(params TxnCompare[] compares) =>
        new(compares, [new TxnPut("then", Kv.Bytes("yes"))], [new TxnPut("else", Kv.Bytes("no"))]);

    private bool Holds(ulong index, TxnCompare compare) =>
        Assert.IsType<TxnResult>(_machine.Run(index, If(compare))).Succeeded;

    [Theory]
    [InlineData(CompareOperator.Equal, "b", true)]
    [InlineData(CompareOperator.Equal, "a", false)]
    [InlineData(CompareOperator.NotEqual, "a", true)]
    [InlineData(CompareOperator.NotEqual, "b", false)]
    [InlineData(CompareOperator.Less, "c", true)]
    [InlineData(CompareOperator.Less, "ba", true)]
    [InlineData(CompareOperator.Less, "b", false)]
    [InlineData(CompareOperator.Less, "ab", false)]
    [InlineData(CompareOperator.Greater, "a", true)]
    [InlineData(CompareOperator.Greater, "", true)]
    [InlineData(CompareOperator.Greater, "b", false)]
    [InlineData(CompareOperator.Greater, "ba", false)]
    public void A_value_compare_compares_bytes_lexicographically(CompareOperator op, string operand, bool holds)
    {
        _machine.Run(1, new PutCommand("k", Kv.Bytes("b")));

        Assert.Equal(holds, Holds(2, TxnCompare.OnValue("k", op, Kv.Bytes(operand))));
    }

    [Theory]
    [InlineData(CompareOperator.Equal)]
    [InlineData(CompareOperator.NotEqual)]
    [InlineData(CompareOperator.Less)]
    [InlineData(CompareOperator.Greater)]
    public void A_value_compare_on_an_absent_key_is_false_whatever_its_operator(CompareOperator op)
    {
        Assert.False(Holds(1, TxnCompare.OnValue("absent", op, Kv.Bytes("x"))));
        Assert.False(Holds(2, TxnCompare.OnValue("absent", op, [])));
    }

    [Theory]
    [InlineData(CompareOperator.Equal, 3UL, true)]
    [InlineData(CompareOperator.Equal, 4UL, false)]
    [InlineData(CompareOperator.NotEqual, 4UL, true)]
    [InlineData(CompareOperator.NotEqual, 3UL, false)]
    [InlineData(CompareOperator.Less, 4UL, true)]
    [InlineData(CompareOperator.Less, 3UL, false)]
    [InlineData(CompareOperator.Greater, 2UL, true)]
    [InlineData(CompareOperator.Greater, 3UL, false)]
    public void An_index_compare_sees_the_index_of_the_last_write(CompareOperator op, ulong operand, bool holds)
    {
        _machine.Run(3, new PutCommand("k", Kv.Bytes("v")));

        Assert.Equal(holds, Holds(5, TxnCompare.OnIndex("k", op, operand)));
    }

    [Fact]
    public void An_index_compare_on_an_absent_key_sees_0()
    {
        _machine.Run(1, new PutCommand("gone", Kv.Bytes("v")));
        _machine.Run(2, new DeleteCommand("gone"));

        Assert.True(Holds(3, TxnCompare.OnIndex("gone", CompareOperator.Equal, 0)));
        Assert.True(Holds(4, TxnCompare.OnIndex("never", CompareOperator.Less, 1)));
        Assert.False(Holds(5, TxnCompare.OnIndex("never", CompareOperator.Greater, 0)));
    }

    [Fact]
    public void An_exists_compare_sees_whether_the_key_exists()
    {
        _machine.Run(1, new PutCommand("k", []));

        Assert.True(Holds(2, TxnCompare.OnExists("k", CompareOperator.Equal, true)));
        Assert.False(Holds(3, TxnCompare.OnExists("k", CompareOperator.Equal, false)));
        Assert.True(Holds(4, TxnCompare.OnExists("k", CompareOperator.NotEqual, false)));
        Assert.True(Holds(5, TxnCompare.OnExists("absent", CompareOperator.Equal, false)));
        Assert.False(Holds(6, TxnCompare.OnExists("absent", CompareOperator.NotEqual, false)));
    }

    [Fact]
    public void Every_compare_must_hold_for_the_success_branch_and_none_is_needed()
    {
        _machine.Run(1, new PutCommand("k", Kv.Bytes("v")));

        Assert.True(Assert.IsType<TxnResult>(_machine.Run(2, If())).Succeeded);
        var mixed = Assert.IsType<TxnResult>(_machine.Run(3, If(
            TxnCompare.OnExists("k", CompareOperator.Equal, true),
            TxnCompare.OnValue("k", CompareOperator.Equal, Kv.Bytes("other")))));

        Assert.False(mixed.Succeeded);
        Assert.Equal("no", _machine.GetString("else", out ulong elseIndex));
        Assert.Equal(3UL, elseIndex);
        Assert.Equal(2UL, GetIndex("then"));
    }

    [Fact]
    public void A_branch_runs_in_order_at_one_index_that_every_write_result_carries()
    {
        _machine.Run(1, new PutCommand("a", Kv.Bytes("old-a")));
        _machine.Run(2, new PutCommand("b", Kv.Bytes("old-b")));
        var txn = new TxnCommand(
            [TxnCompare.OnValue("a", CompareOperator.Equal, Kv.Bytes("old-a"))],
            [new TxnGet("a"), new TxnPut("a", Kv.Bytes("new-a")), new TxnGet("a"), new TxnDelete("b"), new TxnGet("b"), new TxnDelete("none"), new TxnPut("c", Kv.Bytes("c"))],
            [new TxnPut("failed", [])]);

        var result = Assert.IsType<TxnResult>(_machine.Run(7, txn));

        Assert.True(result.Succeeded);
        Assert.Equal(7UL, result.Index);
        Assert.Collection(result.Results,
            r => AssertGet(r, true, "old-a", 1),
            r => Assert.Equal(7UL, Assert.IsType<PutResult>(r).Index),
            r => AssertGet(r, true, "new-a", 7),
            r => Assert.Equal((true, 7UL), (Assert.IsType<DeleteResult>(r).Existed, ((DeleteResult)r).Index)),
            r => AssertGet(r, false, "", 0),
            r => Assert.Equal((false, 7UL), (Assert.IsType<DeleteResult>(r).Existed, ((DeleteResult)r).Index)),
            r => Assert.Equal(7UL, Assert.IsType<PutResult>(r).Index));
        Assert.Equal("new-a", _machine.GetString("a", out ulong aIndex));
        Assert.Equal(7UL, aIndex);
        Assert.Null(_machine.GetString("b", out _));
        Assert.Equal(7UL, GetIndex("c"));
        Assert.Null(_machine.GetString("failed", out _));
        Assert.Equal(7UL, _machine.LastAppliedIndex);
    }

    [Fact]
    public void The_failure_branch_runs_when_a_compare_fails_and_the_success_branch_changes_nothing()
    {
        var txn = new TxnCommand(
            [TxnCompare.OnExists("lock", CompareOperator.Equal, true)],
            [new TxnPut("x", Kv.Bytes("1"))],
            [new TxnPut("lock", Kv.Bytes("me")), new TxnGet("lock")]);

        var result = Assert.IsType<TxnResult>(_machine.Run(4, txn));

        Assert.False(result.Succeeded);
        Assert.Equal(2, result.Results.Count);
        AssertGet(result.Results[1], true, "me", 4);
        Assert.Null(_machine.GetString("x", out _));
    }

    [Fact]
    public void A_key_may_be_the_target_of_one_put_or_delete_per_branch()
    {
        var twice = new TxnCommand([], [new TxnPut("k", []), new TxnDelete("k")], []);
        var inFailure = new TxnCommand([], [], [new TxnDelete("k"), new TxnDelete("k")]);
        var allowed = new TxnCommand([], [new TxnGet("k"), new TxnPut("k", []), new TxnGet("k"), new TxnGet("k")], [new TxnDelete("k")]);

        Assert.Contains("key 'k' is the target of more than one put or delete", KeyValueLimits.ValidateCommand(twice), StringComparison.Ordinal);
        Assert.Contains("failure operation 1", KeyValueLimits.ValidateCommand(inFailure), StringComparison.Ordinal);
        Assert.Null(KeyValueLimits.ValidateCommand(allowed));

        var rejected = Assert.IsType<RejectedResult>(_machine.Run(1, twice));
        Assert.Contains("more than one put or delete", rejected.Reason, StringComparison.Ordinal);
        Assert.Null(_machine.GetString("k", out _));
    }

    [Fact]
    public void At_most_128_compares_and_128_operations_per_branch()
    {
        TxnCompare[] Compares(int n) => [.. Enumerable.Range(0, n).Select(i => TxnCompare.OnExists($"k{i}", CompareOperator.Equal, false))];
        TxnOperation[] Gets(int n) => [.. Enumerable.Range(0, n).Select(i => new TxnGet($"k{i}"))];

        Assert.Null(KeyValueLimits.ValidateCommand(new TxnCommand(Compares(128), Gets(128), Gets(128))));
        Assert.Equal("the transaction has 129 compares; the limit is 128", KeyValueLimits.ValidateCommand(new TxnCommand(Compares(129), [], [])));
        Assert.Equal("the success branch has 129 operations; the limit is 128", KeyValueLimits.ValidateCommand(new TxnCommand([], Gets(129), [])));
        Assert.Equal("the failure branch has 129 operations; the limit is 128", KeyValueLimits.ValidateCommand(new TxnCommand([], [], Gets(129))));
    }

    [Fact]
    public void Keys_values_and_operators_are_checked()
    {
        string? Check(TxnCompare compare) => KeyValueLimits.ValidateCommand(new TxnCommand([compare], [], []));

        Assert.Equal("compare 0: key must not be empty", Check(TxnCompare.OnIndex("", CompareOperator.Equal, 0)));
        Assert.Equal("compare 0: an EXISTS compare takes only EQUAL or NOT_EQUAL", Check(TxnCompare.OnExists("k", CompareOperator.Less, true)));
        Assert.Equal("compare 0: op 9 is not a Compare.Op value", Check(TxnCompare.OnIndex("k", (CompareOperator)9, 0)));
        Assert.Contains("compare value is 1048577 bytes", Check(TxnCompare.OnValue("k", CompareOperator.Equal, new byte[KeyValueLimits.MaxValueBytes + 1])), StringComparison.Ordinal);
        Assert.Contains("success operation 0: value is 1048577 bytes",
            KeyValueLimits.ValidateCommand(new TxnCommand([], [new TxnPut("k", new byte[KeyValueLimits.MaxValueBytes + 1])], [])), StringComparison.Ordinal);
        Assert.Contains("failure operation 0: key is 1025 UTF-8 bytes",
            KeyValueLimits.ValidateCommand(new TxnCommand([], [], [new TxnGet(new string('k', 1025))])), StringComparison.Ordinal);
        Assert.Contains("client id", KeyValueLimits.ValidateCommand(new TxnCommand([], [], [], new string('c', 1025), 1)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_transaction_must_encode_within_the_largest_command()
    {
        byte[] mebibyte = new byte[KeyValueLimits.MaxValueBytes];
        var fits = new TxnCommand([TxnCompare.OnValue("k", CompareOperator.Equal, mebibyte)], [new TxnPut("k", mebibyte)], []);
        var tooLarge = new TxnCommand([], [new TxnPut("a", mebibyte)], [new TxnPut("b", mebibyte), new TxnPut("c", mebibyte)]);

        Assert.Null(KeyValueLimits.ValidateCommand(fits));
        Assert.True(KeyValueCommandCodec.GetEncodedLength(fits) <= KeyValueCommandCodec.MaxEncodedLength);
        string? error = KeyValueLimits.ValidateCommand(tooLarge);
        Assert.Equal(
            $"the transaction encodes to {KeyValueCommandCodec.GetEncodedLength(tooLarge)} bytes; the limit is {KeyValueCommandCodec.MaxEncodedLength} bytes, the largest command a node accepts",
            error);
        Assert.IsType<RejectedResult>(_machine.Run(1, tooLarge));
        Assert.Equal(0, _machine.Count);
    }

    [Fact]
    public void A_transaction_whose_result_would_be_too_large_is_rejected_and_changes_nothing()
    {
        byte[] mebibyte = new byte[KeyValueLimits.MaxValueBytes];
        _machine.Run(1, new PutCommand("big-1", mebibyte));
        _machine.Run(2, new PutCommand("big-2", mebibyte));
        var twoGets = new TxnCommand([], [new TxnGet("big-1"), new TxnGet("big-2"), new TxnDelete("big-1")], []);
        var threeGets = new TxnCommand([], [new TxnPut("new", Kv.Bytes("x")), new TxnGet("big-2"), new TxnGet("big-2"), new TxnGet("big-2")], []);

        var fits = Assert.IsType<TxnResult>(_machine.Run(3, twoGets));
        var rejected = Assert.IsType<RejectedResult>(_machine.Run(4, threeGets));

        Assert.Equal(3, fits.Results.Count);
        Assert.Null(_machine.GetString("big-1", out _));
        Assert.StartsWith("the transaction's result would take", rejected.Reason, StringComparison.Ordinal);
        Assert.Contains($"the limit is {KeyValueResultCodec.MaxEncodedLength} bytes, and nothing was changed", rejected.Reason, StringComparison.Ordinal);
        Assert.Null(_machine.GetString("new", out _));
        Assert.True(_machine.TryGet("big-2", out _, out ulong index));
        Assert.Equal(2UL, index);
        Assert.Equal(4UL, _machine.LastAppliedIndex);
    }

    [Fact]
    public void A_retried_transaction_returns_the_first_result_and_is_not_applied_again()
    {
        var increment = new TxnCommand(
            [TxnCompare.OnIndex("counter", CompareOperator.Equal, 0)],
            [new TxnPut("counter", Kv.Bytes("1"))],
            [new TxnGet("counter")],
            "client",
            5);

        byte[] first = _machine.Apply(1, KeyValueCommandCodec.Encode(increment));
        _machine.Run(2, new PutCommand("counter", Kv.Bytes("changed")));
        byte[] retry = _machine.Apply(3, KeyValueCommandCodec.Encode(increment));

        Assert.Equal(first, retry);
        var result = Assert.IsType<TxnResult>(KeyValueResultCodec.Decode(retry));
        Assert.True(result.Succeeded);
        Assert.Equal(1UL, result.Index);
        Assert.Equal("changed", _machine.GetString("counter", out ulong index));
        Assert.Equal(2UL, index);
    }

    [Fact]
    public void Transactions_and_their_cached_results_survive_a_snapshot()
    {
        var txn = new TxnCommand([], [new TxnPut("a/1", Kv.Bytes("x")), new TxnPut("a/2", Kv.Bytes("y")), new TxnDelete("b")], [], "client", 1);
        _machine.Run(1, new PutCommand("b", Kv.Bytes("z")));
        byte[] first = _machine.Apply(2, KeyValueCommandCodec.Encode(txn));
        var restored = new KeyValueStateMachine();

        restored.Restore(_machine.Snapshot());

        Assert.Equal(_machine.Snapshot(), restored.Snapshot());
        Assert.Equal(["a/1", "a/2"], restored.List("", "", 10).Items.Select(item => item.Key));
        Assert.Equal(first, restored.Apply(3, KeyValueCommandCodec.Encode(txn)));
    }

    [Fact]
    public void Commands_and_results_round_trip_through_their_codecs()
    {
        var txn = new TxnCommand(
            [
                TxnCompare.OnValue("v", CompareOperator.Less, Kv.Bytes("x")),
                TxnCompare.OnIndex("i", CompareOperator.Greater, ulong.MaxValue),
                TxnCompare.OnExists("🔑", CompareOperator.NotEqual, true),
            ],
            [new TxnPut("p", Kv.Bytes("value")), new TxnDelete("d"), new TxnGet("g")],
            [new TxnGet("only")],
            "client",
            99);
        var result = new TxnResult(true, [new PutResult(3), new DeleteResult(true, 3), new GetResult(true, Kv.Bytes("v"), 2), new GetResult(false, ReadOnlyMemory<byte>.Empty, 0)], 3);

        byte[] encoded = KeyValueCommandCodec.Encode(txn);
        var decoded = Assert.IsType<TxnCommand>(KeyValueCommandCodec.Decode(encoded));
        byte[] encodedResult = KeyValueResultCodec.Encode(result);
        var decodedResult = Assert.IsType<TxnResult>(KeyValueResultCodec.Decode(encodedResult));

        Assert.Equal(encoded, KeyValueCommandCodec.Encode(decoded));
        Assert.Equal(("client", 99UL), (decoded.ClientId, decoded.RequestId));
        Assert.Equal([CompareTarget.Value, CompareTarget.Index, CompareTarget.Exists], decoded.Compares.Select(c => c.Target));
        Assert.Equal([CompareOperator.Less, CompareOperator.Greater, CompareOperator.NotEqual], decoded.Compares.Select(c => c.Operator));
        Assert.Equal(Kv.Bytes("x"), decoded.Compares[0].Value.ToArray());
        Assert.Equal(ulong.MaxValue, decoded.Compares[1].Index);
        Assert.True(decoded.Compares[2].Exists);
        Assert.Equal(["p", "d", "g"], decoded.Success.Select(o => o.Key));
        Assert.Equal([typeof(TxnPut), typeof(TxnDelete), typeof(TxnGet)], decoded.Success.Select(o => o.GetType()));
        Assert.Equal(Kv.Bytes("value"), ((TxnPut)decoded.Success[0]).Value.ToArray());
        Assert.IsType<TxnGet>(Assert.Single(decoded.Failure));
        Assert.Equal(encodedResult, KeyValueResultCodec.Encode(decodedResult));
        Assert.Equal(4, decodedResult.Results.Count);
        AssertGet(decodedResult.Results[2], true, "v", 2);
    }

    [Theory]
    [InlineData(14, 3, "unknown compare target 3")]
    [InlineData(15, 4, "unknown compare operator 4")]
    [InlineData(16, 2, "compare exists is 2")]
    [InlineData(23, 5, "unknown transaction operation kind 5")]
    public void Decoding_refuses_unknown_targets_operators_flags_and_kinds(int offset, byte value, string message)
    {
        // version, tag, client id "" (1), request id (8), then from byte 11 on: 2 compares of "k" target op exists, 1 success get of "k", 0 failure ops
        var txn = new TxnCommand(
            [TxnCompare.OnExists("k", CompareOperator.Equal, true), TxnCompare.OnExists("k", CompareOperator.Equal, true)],
            [new TxnGet("k")],
            []);
        byte[] encoded = KeyValueCommandCodec.Encode(txn);
        byte[] layout = [2, 1, (byte)'k', 2, 0, 1, 1, (byte)'k', 2, 0, 1, 1, 3, 1, (byte)'k', 0];
        Assert.Equal(layout, encoded[11..]);

        encoded[offset] = value;

        var error = Assert.Throws<FormatException>(() => KeyValueCommandCodec.Decode(encoded));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_transaction_result_holds_only_put_delete_and_get_results_and_the_longest_result_bounds_a_compare_and_swap()
    {
        byte[] nested = KeyValueResultCodec.Encode(new TxnResult(false, [new PutResult(1)], 1));
        nested[^9] = 3; // the inner put's tag becomes compare-and-swap's

        var error = Assert.Throws<FormatException>(() => KeyValueResultCodec.Decode(nested));
        Assert.Contains("unknown transaction operation result tag 3", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => KeyValueResultCodec.Encode(new TxnResult(true, [new CasResult(true, false, ReadOnlyMemory<byte>.Empty, 1)], 1)));
        Assert.True(KeyValueResultCodec.GetEncodedLength(new CasResult(false, true, new byte[KeyValueLimits.MaxValueBytes], ulong.MaxValue)) <= KeyValueResultCodec.MaxEncodedLength);
    }

    private static void AssertGet(KeyValueResult result, bool found, string value, ulong index)
    {
        var get = Assert.IsType<GetResult>(result);
        Assert.Equal((found, value, index), (get.Found, System.Text.Encoding.UTF8.GetString(get.Value.Span), get.Index));
    }

    private ulong GetIndex(string key)
    {
        _machine.TryGet(key, out _, out ulong index);
        return index;
    }
}
