using System.Buffers.Binary;
using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// A replica's persistent state on its <see cref="SimDisk"/>: a write-ahead log <c>wal</c> of
/// hard-state, log-entry and snapshot-reference records, and state-machine snapshots in files
/// <c>snapshot-N</c>. Every record is framed as <c>length:u32 checksum:u64 payload</c> (FNV-1a over
/// the payload), so recovery detects a torn or missing tail, cuts it off durably and keeps every
/// whole record before it. A snapshot file is synced before the log record that refers to it, and
/// the previous snapshot file is deleted only after that record is synced, so a crash at any point
/// leaves one complete snapshot referenced.
/// </summary>
internal sealed class ReplicaStorage
{
    /// <summary>The write-ahead log's file name.</summary>
    private const string LogFile = "wal";

    private const int HeaderBytes = 12;
    private const byte HardStateRecord = 1;
    private const byte EntryRecord = 2;
    private const byte SnapshotRecord = 3;

    private readonly SimDisk _disk;
    private ulong _snapshotSequence;

    private ReplicaStorage(SimDisk disk, ulong snapshotSequence)
    {
        _disk = disk;
        _snapshotSequence = snapshotSequence;
    }

    /// <summary>Reads what survived on <paramref name="disk"/>, cuts a torn log tail, and returns the storage to continue with.</summary>
    public static ReplicaStorage Open(SimDisk disk, out RecoveredState recovered)
    {
        ArgumentNullException.ThrowIfNull(disk);
        byte[] log = disk.Read(LogFile);
        HardState hard = DurableState.Empty.HardState;
        var entries = new SortedDictionary<ulong, LogEntry>();
        ulong snapshotSequence = 0;
        ulong snapshotSlot = 0;
        int records = 0;
        int offset = 0;
        while (TryReadRecord(log, offset, out ReadOnlySpan<byte> payload, out int next))
        {
            records++;
            offset = next;
            switch (payload[0])
            {
                case HardStateRecord:
                    hard = new HardState(ReadBallot(payload, 1), BinaryPrimitives.ReadUInt64LittleEndian(payload[13..]));
                    break;
                case EntryRecord:
                    LogEntry entry = ReadEntry(payload);
                    entries[entry.Slot] = entry;
                    break;
                default:
                    snapshotSequence = BinaryPrimitives.ReadUInt64LittleEndian(payload[1..]);
                    snapshotSlot = BinaryPrimitives.ReadUInt64LittleEndian(payload[9..]);
                    break;
            }
        }

        long cut = log.Length - offset;
        if (cut > 0)
        {
            disk.Truncate(LogFile, offset);
        }

        byte[]? snapshot = null;
        if (snapshotSequence > 0)
        {
            byte[] file = disk.Read(SnapshotFile(snapshotSequence));
            if (!TryReadRecord(file, 0, out ReadOnlySpan<byte> payload, out _) || BinaryPrimitives.ReadUInt64LittleEndian(payload) != snapshotSlot)
            {
                throw new InvalidOperationException($"snapshot {snapshotSequence} referenced by the log is missing or corrupt");
            }

            snapshot = payload[8..].ToArray();
        }

        var durable = new DurableState(hard, snapshotSlot, [.. entries.Values.Where(e => e.Slot > snapshotSlot)]);
        recovered = new RecoveredState(durable, snapshot, records, cut);
        return new ReplicaStorage(disk, snapshotSequence);
    }

    /// <summary>Appends the persist part of a Ready (entries first, then the hard state); durable only after <see cref="Sync"/>.</summary>
    public void Append(HardState? hardState, IReadOnlyList<LogEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (LogEntry entry in entries)
        {
            AppendRecord(LogFile, EncodeEntry(entry));
        }

        if (hardState is { } hard)
        {
            byte[] payload = new byte[21];
            payload[0] = HardStateRecord;
            WriteBallot(payload.AsSpan(1), hard.Promised);
            BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(13), hard.CommitIndex);
            AppendRecord(LogFile, payload);
        }
    }

    /// <summary>Makes every append to the log so far durable (fsync).</summary>
    public void Sync() => _disk.Sync(LogFile);

    /// <summary>Durably stores a state-machine snapshot covering every slot up to <paramref name="slot"/>, replacing the previous one.</summary>
    public void SaveSnapshot(ulong slot, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        ulong previous = _snapshotSequence;
        ulong sequence = previous + 1;
        byte[] payload = new byte[8 + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(payload, slot);
        data.CopyTo(payload, 8);
        AppendRecord(SnapshotFile(sequence), payload);
        _disk.Sync(SnapshotFile(sequence));

        byte[] reference = new byte[17];
        reference[0] = SnapshotRecord;
        BinaryPrimitives.WriteUInt64LittleEndian(reference.AsSpan(1), sequence);
        BinaryPrimitives.WriteUInt64LittleEndian(reference.AsSpan(9), slot);
        AppendRecord(LogFile, reference);
        _disk.Sync(LogFile);
        _snapshotSequence = sequence;
        if (previous > 0)
        {
            _disk.Delete(SnapshotFile(previous));
        }
    }

    private static string SnapshotFile(ulong sequence) => $"snapshot-{sequence}";

    private void AppendRecord(string file, byte[] payload)
    {
        byte[] record = new byte[HeaderBytes + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)payload.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(4), Checksum(payload));
        payload.CopyTo(record, HeaderBytes);
        _disk.Append(file, record);
    }

    private static bool TryReadRecord(byte[] file, int offset, out ReadOnlySpan<byte> payload, out int next)
    {
        payload = default;
        next = offset;
        if (file.Length - offset < HeaderBytes)
        {
            return false;
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset));
        if (length == 0 || length > file.Length - offset - HeaderBytes)
        {
            return false;
        }

        ReadOnlySpan<byte> body = file.AsSpan(offset + HeaderBytes, (int)length);
        if (Checksum(body) != BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(offset + 4)))
        {
            return false;
        }

        payload = body;
        next = offset + HeaderBytes + (int)length;
        return true;
    }

    private static byte[] EncodeEntry(LogEntry entry)
    {
        IReadOnlyList<ReadOnlyMemory<byte>> commands = entry.Value.Commands;
        byte[] payload = new byte[37 + (4 * commands.Count) + entry.Value.ByteCount];
        payload[0] = EntryRecord;
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(1), entry.Slot);
        WriteBallot(payload.AsSpan(9), entry.Ballot);
        WriteBallot(payload.AsSpan(21), entry.Value.Origin);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(33), commands.Count);
        int offset = 37;
        foreach (ReadOnlyMemory<byte> command in commands)
        {
            BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(offset), command.Length);
            command.Span.CopyTo(payload.AsSpan(offset + 4));
            offset += 4 + command.Length;
        }

        return payload;
    }

    private static LogEntry ReadEntry(ReadOnlySpan<byte> payload)
    {
        ulong slot = BinaryPrimitives.ReadUInt64LittleEndian(payload[1..]);
        Ballot ballot = ReadBallot(payload, 9);
        Ballot origin = ReadBallot(payload, 21);
        int count = BinaryPrimitives.ReadInt32LittleEndian(payload[33..]);
        var commands = new ReadOnlyMemory<byte>[count];
        int offset = 37;
        for (int i = 0; i < count; i++)
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(payload[offset..]);
            commands[i] = payload.Slice(offset + 4, length).ToArray();
            offset += 4 + length;
        }

        return new LogEntry(slot, ballot, count == 0 ? SlotValue.NoOp : new SlotValue(commands, origin));
    }

    private static void WriteBallot(Span<byte> destination, Ballot ballot)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, ballot.Round);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], ballot.NodeId);
    }

    private static Ballot ReadBallot(ReadOnlySpan<byte> payload, int offset) =>
        new(BinaryPrimitives.ReadUInt64LittleEndian(payload[offset..]), BinaryPrimitives.ReadInt32LittleEndian(payload[(offset + 8)..]));

    /// <summary>FNV-1a, 64 bits: enough to tell a torn or garbled record from a whole one.</summary>
    private static ulong Checksum(ReadOnlySpan<byte> data)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in data)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }
}
