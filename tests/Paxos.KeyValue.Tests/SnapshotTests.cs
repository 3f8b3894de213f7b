using System.Buffers.Binary;
using Paxos.Core;

namespace Paxos.KeyValue.Tests;

public class SnapshotTests
{
    /// <summary>A store with live and deleted keys, unicode, an empty value and remembered clients.</summary>
    private static KeyValueStateMachine Populated()
    {
        var machine = new KeyValueStateMachine();
        machine.Run(1, new PutCommand("zeta", Kv.Bytes("last"), "c1", 1));
        machine.Run(2, new PutCommand("alpha", Kv.Bytes("first")));
        machine.Run(3, new PutCommand("ключ", [], "c2", 7));
        machine.Run(4, new PutCommand("gone", Kv.Bytes("x")));
        machine.Run(5, new DeleteCommand("gone", "c3", 2));
        machine.Run(6, new CompareAndSwapCommand("alpha", false, Kv.Bytes("nope"), Kv.Bytes("y"), "c4", 1));
        return machine;
    }

    [Fact]
    public void Round_trip_restores_data_indexes_and_the_exactly_once_table()
    {
        KeyValueStateMachine original = Populated();
        byte[] snapshot = original.Snapshot();
        var restored = new KeyValueStateMachine();

        restored.Restore(snapshot);

        Assert.Equal(6UL, restored.LastAppliedIndex);
        Assert.Equal(3, restored.Count);
        Assert.Equal("first", restored.GetString("alpha", out ulong alpha));
        Assert.Equal(2UL, alpha);
        Assert.Equal("", restored.GetString("ключ", out ulong key));
        Assert.Equal(3UL, key);
        Assert.Null(restored.GetString("gone", out _));
        Assert.Equal(4, restored.ClientCount);
        Assert.Equal(snapshot, restored.Snapshot());

        // The remembered results survive: a retry gets the first result on both.
        byte[] retry = KeyValueCommandCodec.Encode(new DeleteCommand("gone", "c3", 2));
        Assert.Equal(original.Apply(7, retry), restored.Apply(7, retry));
        Assert.True(Assert.IsType<DeleteResult>(KeyValueResultCodec.Decode(restored.Apply(8, retry))).Existed);
    }

    /// <summary>
    /// A captured snapshot is written off the apply loop while commands go on being applied: it must write the state
    /// of the capture, byte for byte, whatever was put, deleted, granted or revoked since.
    /// </summary>
    [Fact]
    public void A_captured_snapshot_writes_the_state_of_its_capture_whatever_is_applied_before_it_is_written()
    {
        KeyValueStateMachine machine = Populated();
        machine.Run(7, new LeaseGrantCommand(5_000));
        machine.Run(8, new PutCommand("leased", Kv.Bytes("held"), "c5", 1, leaseId: 7));
        byte[] atCapture = machine.Snapshot();

        Action<Stream> capture = ((IStateMachine)machine).CaptureSnapshot();
        machine.Run(9, new PutCommand("alpha", Kv.Bytes("changed"), "c1", 2));
        machine.Run(10, new DeleteCommand("zeta", "c6", 1));
        machine.Run(11, new LeaseRevokeCommand(7));
        machine.Run(12, new PutCommand("new", Kv.Bytes("key"), "c7", 1));
        machine.Run(13, new LeaseGrantCommand(1_000));

        using var written = new MemoryStream();
        capture(written);
        Assert.Equal(atCapture, written.ToArray());
        Assert.NotEqual(atCapture, machine.Snapshot());
    }

    [Fact]
    public void Replicas_with_the_same_state_write_identical_bytes_whatever_their_history()
    {
        KeyValueStateMachine a = Populated();
        KeyValueStateMachine b = Populated();
        var c = new KeyValueStateMachine();
        c.Restore(a.Snapshot());
        for (ulong index = 7; index <= 40; index++)
        {
            byte[] command = KeyValueCommandCodec.Encode(new PutCommand($"key-{(index * 7) % 13}", Kv.Bytes($"v{index}"), $"c{index % 5}", index));
            a.Apply(index, command);
            b.Apply(index, command);
            c.Apply(index, command);
        }

        Assert.Equal(a.Snapshot(), b.Snapshot());
        Assert.Equal(a.Snapshot(), c.Snapshot());
    }

    [Fact]
    public void Keys_are_written_in_ordinal_order_not_hash_or_insertion_order()
    {
        // Hash order is the same for every instance in one process, so comparing two replicas
        // here cannot catch a missing sort; the order itself is checked instead.
        var machine = new KeyValueStateMachine();
        string[] keys = [.. Enumerable.Range(0, 200).Select(i => $"key-{i:D3}")];
        string[] shuffled = [.. keys];
        new Random(3).Shuffle(shuffled);
        ulong index = 0;
        foreach (string key in shuffled)
        {
            machine.Run(++index, new PutCommand(key, Kv.Bytes("v")));
        }
        byte[] snapshot = machine.Snapshot();

        int[] offsets = [.. keys.Select(key => snapshot.AsSpan().IndexOf(Kv.Bytes(key)))];

        Assert.All(offsets, offset => Assert.True(offset > 0));
        Assert.Equal(offsets.Order(), offsets);
    }

    [Fact]
    public void An_empty_store_round_trips()
    {
        byte[] snapshot = new KeyValueStateMachine().Snapshot();
        KeyValueStateMachine target = Populated();

        target.Restore(snapshot);

        Assert.Equal(0, target.Count);
        Assert.Equal(0, target.ClientCount);
        Assert.Equal(0UL, target.LastAppliedIndex);
        Assert.Equal(snapshot, target.Snapshot());
    }

    [Fact]
    public void Full_size_values_round_trip()
    {
        var machine = new KeyValueStateMachine();
        byte[] big = new byte[KeyValueLimits.MaxValueBytes];
        new Random(5).NextBytes(big);
        machine.Run(1, new PutCommand("big", big));
        machine.Run(2, new CompareAndSwapCommand("big", true, [], [], "c", 1)); // caches a 1 MiB current value
        var restored = new KeyValueStateMachine();

        restored.Restore(machine.Snapshot());

        Assert.True(restored.TryGet("big", out ReadOnlyMemory<byte> value, out _));
        Assert.Equal(big, value.ToArray());
        var retry = Assert.IsType<CasResult>(restored.Run(3, new CompareAndSwapCommand("big", true, [], [], "c", 1)));
        Assert.Equal(big, retry.CurrentValue.ToArray());
    }

    [Fact]
    public void Every_single_bit_flip_is_rejected_and_leaves_the_state_untouched()
    {
        byte[] snapshot = Populated().Snapshot();
        var target = new KeyValueStateMachine();
        target.Run(1, new PutCommand("mine", Kv.Bytes("keep"), "me", 1));
        byte[] before = target.Snapshot();

        for (int bit = 0; bit < snapshot.Length * 8; bit++)
        {
            byte[] corrupt = (byte[])snapshot.Clone();
            corrupt[bit / 8] ^= (byte)(1 << (bit % 8));

            var error = Assert.Throws<InvalidDataException>(() => target.Restore(corrupt));

            Assert.StartsWith("Corrupt key-value snapshot", error.Message, StringComparison.Ordinal);
        }
        Assert.Equal(before, target.Snapshot());
        Assert.Equal("keep", target.GetString("mine", out _));
        Assert.Equal(1UL, target.LastAppliedIndex);
    }

    [Fact]
    public void Every_truncation_is_rejected()
    {
        byte[] snapshot = Populated().Snapshot();
        var target = new KeyValueStateMachine();
        for (int length = 0; length < snapshot.Length; length++)
        {
            Assert.Throws<InvalidDataException>(() => target.Restore(snapshot[..length]));
        }
        Assert.Equal(0UL, target.LastAppliedIndex);
    }

    [Fact]
    public void A_flipped_bit_reports_a_checksum_mismatch()
    {
        byte[] snapshot = Populated().Snapshot();
        snapshot[^6] ^= 0x10; // inside the last cached result's value, just before the checksum

        var error = Assert.Throws<InvalidDataException>(() => new KeyValueStateMachine().Restore(snapshot));

        Assert.Contains("checksum mismatch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_version_is_rejected_even_with_a_valid_checksum()
    {
        byte[] snapshot = Populated().Snapshot();
        snapshot[4] = 3;
        Rechecksum(snapshot);

        var error = Assert.Throws<InvalidDataException>(() => new KeyValueStateMachine().Restore(snapshot));

        Assert.Contains("unsupported format version 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_index_beyond_the_last_applied_one_is_rejected_even_with_a_valid_checksum()
    {
        var machine = new KeyValueStateMachine();
        machine.Run(1, new PutCommand("k", []));
        byte[] snapshot = machine.Snapshot();
        BinaryPrimitives.WriteUInt64LittleEndian(snapshot.AsSpan(5), 0); // last applied index := 0
        Rechecksum(snapshot);

        var error = Assert.Throws<InvalidDataException>(() => new KeyValueStateMachine().Restore(snapshot));

        Assert.Contains("outside 1..0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void After_a_restore_the_index_continues_from_the_snapshot()
    {
        var restored = new KeyValueStateMachine();
        restored.Restore(Populated().Snapshot());

        Assert.Throws<InvariantViolationException>(() => restored.Run(6, new PutCommand("k", [])));
        Assert.Equal(7UL, Assert.IsType<PutResult>(restored.Run(7, new PutCommand("k", []))).Index);
    }

    private static void Rechecksum(byte[] snapshot)
    {
        uint crc = Crc32C.Append(0, snapshot.AsSpan(0, snapshot.Length - 4));
        BinaryPrimitives.WriteUInt32LittleEndian(snapshot.AsSpan(snapshot.Length - 4), crc);
    }
}
