using System.Buffers.Binary;

namespace Paxos.KeyValue;

/// <summary>
/// Writes the primitive encodings of <see cref="WireFormat"/> into a span. Callers size the span
/// first with the <see cref="WireFormat"/> size functions.
/// </summary>
internal ref struct SpanWriter(Span<byte> destination)
{
    private readonly Span<byte> _destination = destination;
    private int _position;

    public readonly int Position => _position;

    public void WriteByte(byte value) => _destination[_position++] = value;

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_destination[_position..], value);
        _position += sizeof(ulong);
    }

    public void WriteBallot(Paxos.Core.Ballot ballot)
    {
        WriteUInt64(ballot.Round);
        WriteVarUInt32((uint)ballot.NodeId);
    }

    public void WriteVarUInt32(uint value)
    {
        while (value >= 0x80)
        {
            _destination[_position++] = (byte)(value | 0x80);
            value >>= 7;
        }
        _destination[_position++] = (byte)value;
    }

    /// <summary>Writes a varint length followed by the bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteVarUInt32((uint)value.Length);
        value.CopyTo(_destination[_position..]);
        _position += value.Length;
    }

    /// <summary>Writes a varint byte length followed by the strict UTF-8 bytes.</summary>
    public void WriteString(string value)
    {
        int length = WireFormat.StrictUtf8.GetByteCount(value);
        WriteVarUInt32((uint)length);
        _position += WireFormat.StrictUtf8.GetBytes(value, _destination.Slice(_position, length));
    }
}
