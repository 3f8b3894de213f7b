using System.Buffers.Binary;
using Paxos.Core;
using Paxos.Core.Replication;

namespace Paxos.Storage.Replication;

/// <summary>
/// The write-ahead-log records of a Multi-Paxos replica (little-endian):
/// <list type="bullet">
/// <item><c>HardState</c> (type 1): promised round u64, promised node i32, commit index u64.</item>
/// <item><c>Entry</c> (type 3): slot u64, ballot round u64, ballot node i32, origin round u64, origin
/// node i32 (<see cref="SlotValue.Origin"/>), command count u32, then per command length u32 and bytes.</item>
/// <item>Type 2, written before origins were kept, is type 3 without the origin; it reads back with
/// origin zero, which no proposal of a running node has.</item>
/// <item><c>MembershipEntry</c> (type 4): a slot holding a <see cref="Membership"/>: slot, ballot and
/// origin as in type 3, then the membership (<see cref="MembershipCodec"/>).</item>
/// </list>
/// The WAL frames and checksums each record; this codec only lays out the payload and rejects a
/// payload that does not parse (which the checksum should make impossible).
/// </summary>
internal static class ReplicaRecordCodec
{
    public const byte HardStateType = 1;
    public const byte EntryWithoutOriginType = 2;
    public const byte EntryType = 3;
    public const byte MembershipEntryType = 4;
    private const int HardStateSize = sizeof(ulong) + sizeof(int) + sizeof(ulong);
    private const int BallotSize = sizeof(ulong) + sizeof(int);
    private const int EntryHeaderSize = sizeof(ulong) + BallotSize + BallotSize + sizeof(uint);
    private const int MembershipHeaderSize = sizeof(ulong) + BallotSize + BallotSize;

    public static int HardStateLength => HardStateSize;

    public static void WriteHardState(HardState state, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, state.Promised.Round);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], state.Promised.NodeId);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[12..], state.CommitIndex);
    }

    public static HardState ReadHardState(ReadOnlySpan<byte> payload)
    {
        if (payload.Length != HardStateSize)
        {
            throw new InvalidDataException($"hard-state record has {payload.Length} bytes, expected {HardStateSize}");
        }
        return new HardState(
            new Ballot(BinaryPrimitives.ReadUInt64LittleEndian(payload), BinaryPrimitives.ReadInt32LittleEndian(payload[8..])),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[12..]));
    }

    /// <summary>The record type <paramref name="entry"/> is written as.</summary>
    public static byte TypeOf(LogEntry entry) => entry.Value.Membership is null ? EntryType : MembershipEntryType;

    public static int EntryLength(LogEntry entry)
    {
        if (entry.Value.Membership is { } membership)
        {
            return MembershipHeaderSize + MembershipCodec.Length(membership);
        }
        int length = EntryHeaderSize;
        foreach (var command in entry.Value.Commands)
        {
            length += sizeof(uint) + command.Length;
        }
        return length;
    }

    public static void WriteEntry(LogEntry entry, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, entry.Slot);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], entry.Ballot.Round);
        BinaryPrimitives.WriteInt32LittleEndian(destination[16..], entry.Ballot.NodeId);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[20..], entry.Value.Origin.Round);
        BinaryPrimitives.WriteInt32LittleEndian(destination[28..], entry.Value.Origin.NodeId);
        if (entry.Value.Membership is { } membership)
        {
            MembershipCodec.Write(membership, destination[MembershipHeaderSize..]);
            return;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(destination[32..], (uint)entry.Value.Commands.Count);
        int offset = EntryHeaderSize;
        foreach (var command in entry.Value.Commands)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination[offset..], (uint)command.Length);
            command.Span.CopyTo(destination[(offset + sizeof(uint))..]);
            offset += sizeof(uint) + command.Length;
        }
    }

    /// <summary>Reads an entry record of <paramref name="type"/> (<see cref="EntryType"/>, <see cref="EntryWithoutOriginType"/> or <see cref="MembershipEntryType"/>).</summary>
    public static LogEntry ReadEntry(byte type, ReadOnlySpan<byte> payload)
    {
        if (type == MembershipEntryType)
        {
            if (payload.Length < MembershipHeaderSize)
            {
                throw new InvalidDataException("membership entry record is shorter than its header");
            }
            return new LogEntry(
                BinaryPrimitives.ReadUInt64LittleEndian(payload),
                ReadBallot(payload[8..]),
                new SlotValue(MembershipCodec.Read(payload[MembershipHeaderSize..]), ReadBallot(payload[20..])));
        }
        bool hasOrigin = type == EntryType;
        int headerSize = hasOrigin ? EntryHeaderSize : EntryHeaderSize - BallotSize;
        if (payload.Length < headerSize)
        {
            throw new InvalidDataException("entry record is shorter than its header");
        }
        ulong slot = BinaryPrimitives.ReadUInt64LittleEndian(payload);
        var ballot = ReadBallot(payload[8..]);
        Ballot origin = hasOrigin ? ReadBallot(payload[20..]) : Ballot.Zero;
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(payload[(headerSize - sizeof(uint))..]);
        if (count > payload.Length)
        {
            throw new InvalidDataException($"entry record claims {count} commands in {payload.Length} bytes");
        }
        var commands = new ReadOnlyMemory<byte>[count];
        int offset = headerSize;
        for (int i = 0; i < commands.Length; i++)
        {
            if (payload.Length - offset < sizeof(uint))
            {
                throw new InvalidDataException("entry record ends inside a command length");
            }
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(payload[offset..]);
            offset += sizeof(uint);
            if (length > payload.Length - offset)
            {
                throw new InvalidDataException("entry record ends inside a command");
            }
            commands[i] = payload.Slice(offset, (int)length).ToArray();
            offset += (int)length;
        }
        if (offset != payload.Length)
        {
            throw new InvalidDataException("entry record has trailing bytes");
        }
        return new LogEntry(slot, ballot, commands.Length == 0 ? SlotValue.NoOp : new SlotValue(commands, origin));
    }

    private static Ballot ReadBallot(ReadOnlySpan<byte> source) =>
        new(BinaryPrimitives.ReadUInt64LittleEndian(source), BinaryPrimitives.ReadInt32LittleEndian(source[sizeof(ulong)..]));
}
