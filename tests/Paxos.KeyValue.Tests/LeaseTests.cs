using System.Buffers.Binary;
using Paxos.Core;

namespace Paxos.KeyValue.Tests;

public class LeaseTests
{
    private static readonly Ballot First = new(1, 0);
    private static readonly Ballot Second = new(2, 1);

    private readonly KeyValueStateMachine _machine = new();

    [Fact]
    public void A_grant_is_named_by_its_index_and_keeps_its_ttl()
    {
        var grant = Assert.IsType<LeaseGrantResult>(_machine.Run(5, new LeaseGrantCommand(3_000)));

        Assert.Equal(5UL, grant.LeaseId);
        Assert.Equal(3_000, grant.TtlMilliseconds);
        Assert.True(_machine.TryGetLease(5, out long ttl));
        Assert.Equal(3_000, ttl);
        Assert.Equal([new LeaseInfo(5, 3_000, 0)], _machine.Leases());
    }

    [Fact]
    public void An_expiry_in_the_current_epoch_deletes_every_attached_key_at_its_one_index()
    {
        _machine.Run(1, new LeaseEpochCommand(First));
        _machine.Run(2, new LeaseGrantCommand(1_000));
        _machine.Run(3, new PutCommand("a", Kv.Bytes("1"), leaseId: 2));
        _machine.Run(4, new PutCommand("b", Kv.Bytes("2"), leaseId: 2));
        _machine.Run(5, new PutCommand("c", Kv.Bytes("3")));
        Assert.Equal([2UL, 2UL, 0UL], _machine.List("", "", 10).Items.Select(item => item.LeaseId));

        var expired = Assert.IsType<LeaseRevokeResult>(_machine.Run(6, new LeaseExpireCommand(2, First)));

        Assert.True(expired.Found);
        Assert.Equal(6UL, expired.Index);
        Assert.Equal(["c"], _machine.List("", "", 10).Items.Select(item => item.Key));
        Assert.False(_machine.TryGetLease(2, out _));
        Assert.False(Assert.IsType<LeaseRevokeResult>(_machine.Run(7, new LeaseExpireCommand(2, First))).Found);
    }

    [Fact]
    public void An_expiry_decided_in_another_epoch_changes_nothing()
    {
        _machine.Run(1, new LeaseEpochCommand(First));
        _machine.Run(2, new LeaseGrantCommand(1_000));
        _machine.Run(3, new PutCommand("a", Kv.Bytes("1"), leaseId: 2));
        Assert.Equal(Second, Assert.IsType<LeaseEpochResult>(_machine.Run(4, new LeaseEpochCommand(Second))).Epoch);

        var stale = Assert.IsType<LeaseRevokeResult>(_machine.Run(5, new LeaseExpireCommand(2, First)));

        Assert.False(stale.Found);
        Assert.NotNull(_machine.GetString("a", out _));
        Assert.True(_machine.TryGetLease(2, out _));
    }

    [Fact]
    public void The_epoch_only_rises()
    {
        _machine.Run(1, new LeaseEpochCommand(Second));

        var late = Assert.IsType<LeaseEpochResult>(_machine.Run(2, new LeaseEpochCommand(First)));

        Assert.Equal(Second, late.Epoch);
        Assert.Equal(Second, _machine.LeaseEpoch);
        Assert.False(Assert.IsType<LeaseRevokeResult>(_machine.Run(3, new LeaseExpireCommand(99, First))).Found);
    }

    [Fact]
    public void A_put_naming_an_unknown_lease_changes_nothing()
    {
        _machine.Run(1, new PutCommand("k", Kv.Bytes("old")));

        var refused = Assert.IsType<LeaseNotFoundResult>(_machine.Run(2, new PutCommand("k", Kv.Bytes("new"), leaseId: 42)));

        Assert.Equal(42UL, refused.LeaseId);
        Assert.Equal("old", _machine.GetString("k", out ulong index));
        Assert.Equal(1UL, index);
    }

    [Fact]
    public void Revoke_deletes_only_the_keys_still_attached()
    {
        _machine.Run(1, new LeaseGrantCommand(1_000));
        _machine.Run(2, new LeaseGrantCommand(1_000));
        _machine.Run(3, new PutCommand("moved", Kv.Bytes("x"), leaseId: 1));
        _machine.Run(4, new PutCommand("detached", Kv.Bytes("x"), leaseId: 1));
        _machine.Run(5, new PutCommand("kept", Kv.Bytes("x"), leaseId: 1));
        _machine.Run(6, new PutCommand("moved", Kv.Bytes("y"), leaseId: 2));
        _machine.Run(7, new PutCommand("detached", Kv.Bytes("y")));
        _machine.Run(8, new CompareAndSwapCommand("kept", false, Kv.Bytes("x"), Kv.Bytes("z")));

        var revoked = Assert.IsType<LeaseRevokeResult>(_machine.Run(9, new LeaseRevokeCommand(1)));

        Assert.True(revoked.Found);
        Assert.Equal(["detached", "kept", "moved"], _machine.List("", "", 10).Items.Select(item => item.Key));
        Assert.Equal([new LeaseInfo(2, 1_000, 1)], _machine.Leases());
        Assert.False(Assert.IsType<LeaseRevokeResult>(_machine.Run(10, new LeaseRevokeCommand(1))).Found);
        Assert.True(Assert.IsType<LeaseRevokeResult>(_machine.Run(11, new LeaseRevokeCommand(2))).Found);
        Assert.Null(_machine.GetString("moved", out _));
    }

    [Fact]
    public void A_deleted_key_leaves_its_lease()
    {
        _machine.Run(1, new LeaseGrantCommand(1_000));
        _machine.Run(2, new PutCommand("k", Kv.Bytes("x"), leaseId: 1));
        _machine.Run(3, new DeleteCommand("k"));
        _machine.Run(4, new PutCommand("k", Kv.Bytes("again")));

        _machine.Run(5, new LeaseRevokeCommand(1));

        Assert.Equal("again", _machine.GetString("k", out _));
    }

    [Fact]
    public void A_transaction_attaches_keys_and_is_refused_whole_for_an_unknown_lease()
    {
        _machine.Run(1, new LeaseGrantCommand(1_000));
        var attached = Assert.IsType<TxnResult>(_machine.Run(2, new TxnCommand([], [new TxnPut("a", Kv.Bytes("1"), 1), new TxnDelete("gone")], [])));
        Assert.True(attached.Succeeded);

        var refused = _machine.Run(3, new TxnCommand([], [new TxnPut("b", Kv.Bytes("2")), new TxnPut("c", Kv.Bytes("3"), 77)], []));

        Assert.Equal(77UL, Assert.IsType<LeaseNotFoundResult>(refused).LeaseId);
        Assert.Null(_machine.GetString("b", out _));
        _machine.Run(4, new LeaseRevokeCommand(1));
        Assert.Null(_machine.GetString("a", out _));
    }

    [Fact]
    public void A_lease_holds_at_most_the_limit_of_keys()
    {
        _machine.Run(1, new LeaseGrantCommand(1_000));
        ulong index = 2;
        for (int i = 0; i < KeyValueLimits.MaxKeysPerLease; i++)
        {
            Assert.IsType<PutResult>(_machine.Run(index++, new PutCommand($"k{i}", [], leaseId: 1)));
        }

        Assert.IsType<ExhaustedResult>(_machine.Run(index++, new PutCommand("one-more", [], leaseId: 1)));
        Assert.IsType<ExhaustedResult>(_machine.Run(index++, new TxnCommand([], [new TxnPut("one-more", [], 1)], [])));
        Assert.IsType<PutResult>(_machine.Run(index++, new PutCommand("k0", Kv.Bytes("rewritten"), leaseId: 1)));
        Assert.Null(_machine.GetString("one-more", out _));
        Assert.Equal(KeyValueLimits.MaxKeysPerLease, _machine.Leases()[0].KeyCount);
    }

    [Fact]
    public void At_most_the_limit_of_leases_exist()
    {
        ulong index = 1;
        for (int i = 0; i < KeyValueLimits.MaxLeases; i++)
        {
            Assert.IsType<LeaseGrantResult>(_machine.Run(index++, new LeaseGrantCommand(1_000)));
        }

        Assert.IsType<ExhaustedResult>(_machine.Run(index++, new LeaseGrantCommand(1_000)));
        _machine.Run(index++, new LeaseRevokeCommand(1));
        Assert.IsType<LeaseGrantResult>(_machine.Run(index, new LeaseGrantCommand(1_000)));
    }

    [Theory]
    [InlineData(999)]
    [InlineData(86_400_001)]
    [InlineData(-1)]
    public void A_ttl_outside_the_bounds_is_rejected(long ttl)
    {
        var rejected = Assert.IsType<RejectedResult>(_machine.Run(1, new LeaseGrantCommand(ttl)));

        Assert.Contains("ttl_ms", rejected.Reason, StringComparison.Ordinal);
        Assert.Empty(_machine.Leases());
    }

    [Fact]
    public void Snapshots_keep_leases_their_keys_and_the_epoch()
    {
        _machine.Run(1, new LeaseEpochCommand(Second));
        _machine.Run(2, new LeaseGrantCommand(5_000));
        _machine.Run(3, new PutCommand("a", Kv.Bytes("1"), leaseId: 2));
        _machine.Run(4, new PutCommand("b", Kv.Bytes("2")));
        byte[] snapshot = _machine.Snapshot();
        var restored = new KeyValueStateMachine();

        restored.Restore(snapshot);

        Assert.Equal(snapshot, restored.Snapshot());
        Assert.Equal(Second, restored.LeaseEpoch);
        Assert.Equal([new LeaseInfo(2, 5_000, 1)], restored.Leases());
        Assert.True(Assert.IsType<LeaseRevokeResult>(restored.Run(5, new LeaseExpireCommand(2, Second))).Found);
        Assert.Null(restored.GetString("a", out _));
        Assert.Equal("2", restored.GetString("b", out _));
    }

    [Fact]
    public void A_snapshot_of_version_1_is_still_read()
    {
        using var stream = new MemoryStream();
        var writer = new BinaryWriter(stream);
        writer.Write(0x564B5850u); // "PXKV"
        writer.Write((byte)1);
        writer.Write(7UL); // last applied
        writer.Write(1UL); // one key
        writer.Write(1u);
        writer.Write((byte)'k');
        writer.Write(7UL);
        writer.Write(2u);
        writer.Write(Kv.Bytes("v1"));
        writer.Write(0UL); // no clients
        writer.Flush();
        byte[] snapshot = [.. stream.ToArray(), 0, 0, 0, 0];
        BinaryPrimitives.WriteUInt32LittleEndian(snapshot.AsSpan(snapshot.Length - 4), Crc32C.Append(0, snapshot.AsSpan(0, snapshot.Length - 4)));

        _machine.Restore(snapshot);

        Assert.Equal("v1", _machine.GetString("k", out ulong index));
        Assert.Equal(7UL, index);
        Assert.Empty(_machine.Leases());
        Assert.Equal(Ballot.Zero, _machine.LeaseEpoch);
    }

    [Fact]
    public void A_snapshot_whose_key_names_a_missing_lease_is_corrupt()
    {
        _machine.Run(1, new LeaseGrantCommand(5_000));
        _machine.Run(2, new PutCommand("a", Kv.Bytes("1"), leaseId: 1));
        byte[] snapshot = _machine.Snapshot();
        // magic, version, last applied, epoch (12), lease count, lease id, ttl, key count, "a" (5), key index: then the key's lease id.
        int leaseIdOffset = 4 + 1 + 8 + 12 + 8 + 16 + 8 + 5 + 8;
        Assert.Equal(1UL, BinaryPrimitives.ReadUInt64LittleEndian(snapshot.AsSpan(leaseIdOffset)));
        BinaryPrimitives.WriteUInt64LittleEndian(snapshot.AsSpan(leaseIdOffset), 2);
        BinaryPrimitives.WriteUInt32LittleEndian(snapshot.AsSpan(snapshot.Length - 4), Crc32C.Append(0, snapshot.AsSpan(0, snapshot.Length - 4)));

        var error = Assert.Throws<InvalidDataException>(() => new KeyValueStateMachine().Restore(snapshot));

        Assert.Contains("names lease 2, which does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lease_commands_and_results_round_trip_through_their_codecs()
    {
        KeyValueCommand[] commands =
        [
            new PutCommand("k", Kv.Bytes("v"), "c", 3, leaseId: 9),
            new LeaseGrantCommand(60_000, "c", 4),
            new LeaseRevokeCommand(9),
            new LeaseExpireCommand(9, new Ballot(7, 300)),
            new LeaseEpochCommand(new Ballot(7, 300)),
            new TxnCommand([], [new TxnPut("k", [], 9), new TxnPut("j", [])], []),
        ];
        foreach (KeyValueCommand command in commands)
        {
            byte[] encoded = KeyValueCommandCodec.Encode(command);
            Assert.Equal(encoded, KeyValueCommandCodec.Encode(KeyValueCommandCodec.Decode(encoded)));
        }
        var put = Assert.IsType<PutCommand>(KeyValueCommandCodec.Decode(KeyValueCommandCodec.Encode(commands[0])));
        Assert.Equal(9UL, put.LeaseId);
        Assert.Equal(new Ballot(7, 300), Assert.IsType<LeaseExpireCommand>(KeyValueCommandCodec.Decode(KeyValueCommandCodec.Encode(commands[3]))).Epoch);

        KeyValueResult[] results = [new LeaseGrantResult(5, 1_000), new LeaseRevokeResult(true, 8), new LeaseNotFoundResult(4), new LeaseEpochResult(new Ballot(2, 1)), new ExhaustedResult("full")];
        foreach (KeyValueResult result in results)
        {
            byte[] encoded = KeyValueResultCodec.Encode(result);
            Assert.Equal(encoded, KeyValueResultCodec.Encode(KeyValueResultCodec.Decode(encoded)));
        }
    }

    [Fact]
    public void A_put_without_a_lease_keeps_its_old_bytes_and_lease_zero_has_one_encoding()
    {
        byte[] plain = KeyValueCommandCodec.Encode(new PutCommand("k", Kv.Bytes("v")));
        Assert.Equal(1, plain[1]); // tag 1, as before leases existed

        byte[] leased = KeyValueCommandCodec.Encode(new PutCommand("k", Kv.Bytes("v"), leaseId: 1));
        leased[^8] = 0;

        Assert.Contains("lease 0", Assert.Throws<FormatException>(() => KeyValueCommandCodec.Decode(leased)).Message, StringComparison.Ordinal);
    }
}
