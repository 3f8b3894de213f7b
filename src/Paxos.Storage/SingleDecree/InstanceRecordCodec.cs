using System.Buffers.Binary;
using Paxos.Core;
using Paxos.Core.SingleDecree;

namespace Paxos.Storage.SingleDecree;

/// <summary>
/// The on-disk form of an <see cref="InstanceRecord"/>:
/// <c>"PXSD" | version u16 | flags u8 | promised (round u64, node i32) | [accepted (round u64, node i32, length u32, bytes)] | [chosen (length u32, bytes)] | CRC-32C u32</c>,
/// little-endian; the CRC covers every byte before it. Flags: bit 0 = has accepted, bit 1 = has chosen.
/// </summary>
internal static class InstanceRecordCodec
{
    private static ReadOnlySpan<byte> Magic => "PXSD"u8;
    private const ushort Version = 1;
    private const byte HasAccepted = 1;
    private const byte HasChosen = 2;
    private const int BallotSize = sizeof(ulong) + sizeof(int);

    public static byte[] Encode(InstanceRecord record)
    {
        var accepted = record.Acceptor.Accepted;
        int size = Magic.Length + sizeof(ushort) + 1 + BallotSize
            + (accepted is null ? 0 : BallotSize + sizeof(uint) + accepted.Value.Length)
            + (record.Chosen is null ? 0 : sizeof(uint) + record.Chosen.Length)
            + sizeof(uint);
        var buffer = new byte[size];
        var writer = new SpanWriter(buffer);
        writer.Write(Magic);
        writer.WriteUInt16(Version);
        writer.WriteByte((byte)((accepted is null ? 0 : HasAccepted) | (record.Chosen is null ? 0 : HasChosen)));
        writer.WriteBallot(record.Acceptor.Promised);
        if (accepted is not null)
        {
            writer.WriteBallot(accepted.Ballot);
            writer.WriteBytes(accepted.Value);
        }
        if (record.Chosen is not null)
        {
            writer.WriteBytes(record.Chosen);
        }
        writer.WriteUInt32(Crc32C.Compute(buffer.AsSpan(0, writer.Position)));
        Invariant.Check(writer.Position == size, "encoded size matches the computed size");
        return buffer;
    }

    public static InstanceRecord Decode(ReadOnlySpan<byte> data, string path)
    {
        if (data.Length < Magic.Length + sizeof(ushort) + 1 + BallotSize + sizeof(uint))
        {
            throw new StorageCorruptionException(path, data.Length, "file too short (torn write?)");
        }
        int body = data.Length - sizeof(uint);
        uint expected = BinaryPrimitives.ReadUInt32LittleEndian(data[body..]);
        if (Crc32C.Compute(data[..body]) != expected)
        {
            throw new StorageCorruptionException(path, body, "checksum mismatch");
        }
        if (!data.StartsWith(Magic))
        {
            throw new StorageCorruptionException(path, 0, "not a single-decree instance file (bad magic)");
        }
        var reader = new SpanReader(data[..body], path);
        reader.Skip(Magic.Length);
        ushort version = reader.ReadUInt16();
        if (version != Version)
        {
            throw new StorageCorruptionException(path, Magic.Length, $"unsupported version {version}");
        }
        byte flags = reader.ReadByte();
        var promised = reader.ReadBallot();
        Proposal? accepted = null;
        if ((flags & HasAccepted) != 0)
        {
            var ballot = reader.ReadBallot();
            accepted = new Proposal(ballot, reader.ReadBytes());
        }
        byte[]? chosen = (flags & HasChosen) != 0 ? reader.ReadBytes() : null;
        reader.ExpectEnd();
        return new InstanceRecord(new AcceptorState(promised, accepted), chosen);
    }

    private ref struct SpanWriter(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;

        public int Position { get; private set; }

        public void Write(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_buffer[Position..]);
            Position += bytes.Length;
        }

        public void WriteByte(byte value) => _buffer[Position++] = value;

        public void WriteUInt16(ushort value)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(_buffer[Position..], value);
            Position += sizeof(ushort);
        }

        public void WriteUInt32(uint value)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer[Position..], value);
            Position += sizeof(uint);
        }

        public void WriteBallot(Ballot ballot)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(_buffer[Position..], ballot.Round);
            BinaryPrimitives.WriteInt32LittleEndian(_buffer[(Position + sizeof(ulong))..], ballot.NodeId);
            Position += BallotSize;
        }

        public void WriteBytes(byte[] bytes)
        {
            WriteUInt32((uint)bytes.Length);
            Write(bytes);
        }
    }

    private ref struct SpanReader(ReadOnlySpan<byte> data, string path)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private readonly string _path = path;
        private int _position;

        public void Skip(int count) => Take(count);

        public byte ReadByte() => Take(1)[0];

        public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(sizeof(ushort)));

        public Ballot ReadBallot()
        {
            var bytes = Take(BallotSize);
            return new Ballot(BinaryPrimitives.ReadUInt64LittleEndian(bytes), BinaryPrimitives.ReadInt32LittleEndian(bytes[sizeof(ulong)..]));
        }

        public byte[] ReadBytes()
        {
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(Take(sizeof(uint)));
            if (length > _data.Length - _position)
            {
                throw new StorageCorruptionException(_path, _position, $"length {length} runs past the end of the file");
            }
            return Take((int)length).ToArray();
        }

        public readonly void ExpectEnd()
        {
            if (_position != _data.Length)
            {
                throw new StorageCorruptionException(_path, _position, "unexpected bytes after the record");
            }
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > _data.Length - _position)
            {
                throw new StorageCorruptionException(_path, _position, "record ends early");
            }
            var slice = _data.Slice(_position, count);
            _position += count;
            return slice;
        }
    }
}
