using Microsoft.Extensions.Logging.Abstractions;
using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.Storage.Replication;

namespace Paxos.Storage.Tests.Replication;

/// <summary>The replica's durable log: what it recovers, and what a checkpoint keeps.</summary>
public sealed class ReplicaLogStoreTests
{
    private static readonly Ballot B1 = new(1, 0);
    private static readonly Ballot B2 = new(2, 1);

    private static LogEntry Entry(ulong slot, Ballot ballot, string command) =>
        new(slot, ballot, new SlotValue([System.Text.Encoding.ASCII.GetBytes(command)], ballot));

    private static ReplicaLogStore Open(TempDirectory dir) => ReplicaLogStore.Open(dir.Path, NullLogger.Instance);

    /// <summary>Segments of 4 KiB, so that a checkpoint's rewrite lets whole segments go.</summary>
    private static ReplicaLogStore OpenSmall(TempDirectory dir) =>
        ReplicaLogStore.Open(dir.Path, new Paxos.Storage.Wal.WalOptions { SegmentSize = 4096, MaxRecordSize = 1024 });

    private static string Text(LogEntry entry) => $"{entry.Slot}@{entry.Ballot}:{System.Text.Encoding.ASCII.GetString(entry.Value.Commands[0].Span)}";

    [Fact]
    public void The_last_hard_state_and_the_last_entry_of_each_slot_survive_a_reopen()
    {
        using var dir = new TempDirectory();
        using (var store = Open(dir))
        {
            Assert.Empty(store.Recover(0).Entries);
            store.Persist(new HardState(B1, 0), [Entry(1, B1, "a"), Entry(2, B1, "b")], sync: true);
            store.Persist(new HardState(B2, 1), [Entry(2, B2, "b2"), Entry(3, B2, "c")], sync: true);
            store.Persist(new HardState(B2, 3), [], sync: false); // a commit index alone: written, not synced
        }

        using (var store = Open(dir))
        {
            DurableState state = store.Recover(0);
            Assert.Equal(new HardState(B2, 3), state.HardState);
            Assert.Equal(["1@1.0:a", "2@2.1:b2", "3@2.1:c"], state.Entries.Select(Text));
        }
    }

    [Fact]
    public void An_entry_keeps_the_origin_of_its_batch_through_a_reopen()
    {
        using var dir = new TempDirectory();
        var reproposed = new LogEntry(4, B2, new SlotValue([System.Text.Encoding.ASCII.GetBytes("x")], B1));
        using (var store = Open(dir))
        {
            store.Recover(0);
            store.Persist(new HardState(B2, 0), [reproposed], sync: true);
        }

        using (var store = Open(dir))
        {
            Assert.True(Assert.Single(store.Recover(0).Entries).Value.ContentEquals(reproposed.Value));
        }
    }

    [Fact]
    public void An_entry_written_before_origins_were_kept_reads_back_with_origin_zero()
    {
        using var dir = new TempDirectory();
        byte[] payload = new byte[8 + 8 + 4 + 4 + 4 + 1];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(payload, 4); // slot
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(8), B2.Round);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(16), B2.NodeId);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(20), 1); // one command
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(24), 1); // of one byte
        payload[28] = (byte)'x';
        using (var wal = Paxos.Storage.Wal.WriteAheadLog.Open(dir.Path, _ => { }))
        {
            wal.Append(2, payload);
            wal.Sync();
        }

        using var store = Open(dir);
        LogEntry entry = Assert.Single(store.Recover(0).Entries);
        Assert.Equal("4@2.1:x", Text(entry));
        Assert.Equal(Ballot.Zero, entry.Value.Origin);
    }

    [Fact]
    public void Recovery_leaves_out_the_slots_the_snapshot_covers()
    {
        using var dir = new TempDirectory();
        using (var store = Open(dir))
        {
            store.Recover(0);
            store.Persist(new HardState(B1, 3), [Entry(1, B1, "a"), Entry(2, B1, "b"), Entry(3, B1, "c")], sync: true);
        }

        using var reopened = Open(dir);
        DurableState state = reopened.Recover(2);
        Assert.Equal(2ul, state.SnapshotIndex);
        Assert.Equal(["3@1.0:c"], state.Entries.Select(Text));
    }

    [Fact]
    public void After_a_checkpoint_the_log_holds_the_retained_entries_and_the_hard_state_and_old_segments_are_gone()
    {
        using var dir = new TempDirectory();
        var written = Enumerable.Range(1, 200).Select(i => Entry((ulong)i, B1, $"command {i} {new string('x', 100)}")).ToList();
        using (var store = OpenSmall(dir))
        {
            store.Recover(0);
            store.Persist(new HardState(B1, 200), written, sync: true);
            Assert.True(File.Exists(Path.Combine(dir.Path, "0000000000000001.seg")));
            store.Checkpoint(100, written.Skip(100));
            Assert.False(File.Exists(Path.Combine(dir.Path, "0000000000000001.seg")), "the checkpoint deleted the old segments");
            store.Persist(null, [Entry(201, B1, "after")], sync: true);
        }

        using var reopened = OpenSmall(dir);
        DurableState state = reopened.Recover(100);
        Assert.Equal(new HardState(B1, 200), state.HardState);
        Assert.Equal(Enumerable.Range(101, 101).Select(i => (ulong)i), state.Entries.Select(e => e.Slot));
        Assert.Equal("after", System.Text.Encoding.ASCII.GetString(state.Entries[^1].Value.Commands[0].Span));
    }

    /// <summary>
    /// A checkpoint begun for a snapshot still being written deletes nothing: a crash then restarts from the older
    /// snapshot with every entry. Completed, it deletes the segments before its mark, and what was appended meanwhile
    /// (after the mark) stays.
    /// </summary>
    [Fact]
    public void A_begun_checkpoint_deletes_nothing_until_it_is_completed_and_then_keeps_what_came_after_it()
    {
        using var dir = new TempDirectory();
        var written = Enumerable.Range(1, 200).Select(i => Entry((ulong)i, B1, $"command {i} {new string('x', 100)}")).ToList();
        using (var store = OpenSmall(dir))
        {
            store.Recover(0);
            store.Persist(new HardState(B1, 200), written, sync: true);
            store.BeginCheckpoint(100, written.Skip(100));
            store.Persist(null, [Entry(201, B1, "meanwhile")], sync: true);
        }

        long mark;
        using (var crashed = OpenSmall(dir))
        {
            Assert.True(File.Exists(Path.Combine(dir.Path, "0000000000000001.seg")), "nothing was deleted before the snapshot was durable");
            DurableState state = crashed.Recover(0);
            Assert.Equal(Enumerable.Range(1, 201).Select(i => (ulong)i), state.Entries.Select(e => e.Slot));
            mark = crashed.BeginCheckpoint(100, state.Entries.Skip(100));
            crashed.Persist(null, [Entry(202, B1, "meanwhile too")], sync: true);
            Assert.True(File.Exists(Path.Combine(dir.Path, "0000000000000001.seg")));
            crashed.CompleteCheckpoint(mark);
            Assert.False(File.Exists(Path.Combine(dir.Path, "0000000000000001.seg")), "the completed checkpoint deleted the old segments");
        }

        using var reopened = OpenSmall(dir);
        DurableState after = reopened.Recover(100);
        Assert.Equal(new HardState(B1, 200), after.HardState);
        Assert.Equal(Enumerable.Range(101, 102).Select(i => (ulong)i), after.Entries.Select(e => e.Slot));
        Assert.Equal(["201@1.0:meanwhile", "202@1.0:meanwhile too"], after.Entries.TakeLast(2).Select(Text));
    }

    [Fact]
    public void A_checkpoint_refuses_an_entry_its_snapshot_covers()
    {
        using var dir = new TempDirectory();
        using var store = Open(dir);
        store.Recover(0);
        store.Persist(new HardState(B1, 2), [Entry(1, B1, "a"), Entry(2, B1, "b")], sync: true);

        Assert.Throws<InvariantViolationException>(() => store.Checkpoint(2, [Entry(2, B1, "b")]));
    }

    [Fact]
    public void The_log_is_recovered_once_and_before_it_is_written()
    {
        using var dir = new TempDirectory();
        using var store = Open(dir);

        Assert.Throws<InvariantViolationException>(() => store.Persist(new HardState(B1, 0), [Entry(1, B1, "a")], sync: true));
        store.Recover(0);
        Assert.Throws<InvalidOperationException>(() => store.Recover(0));
    }
}
