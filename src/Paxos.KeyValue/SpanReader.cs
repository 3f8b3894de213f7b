using System.Buffers.Binary;
using System.Text;

namespace Paxos.KeyValue;

/// <summary>
/// Reads the primitive encodings of <see cref="WireFormat"/> from a span. Every malformed input
/// (truncation, overlong or non-canonical varints, invalid UTF-8) throws a
/// <see cref="FormatException"/> naming what was being decoded; nothing else escapes.
/// </summary>
internal ref struct SpanReader(ReadOnlySpan<byte> source, string what)
{
    private readonly ReadOnlySpan<byte> _source = source;
    private readonly string _what = what;
    private int _position;

    public readonly int Remaining => _source.Length - _position;

    public byte ReadByte()
    {
        Need(1, "a byte");
        return _source[_position++];
    }

    public ulong ReadUInt64()
    {
        Need(sizeof(ulong), "a 64-bit integer");
        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(_source[_position..]);
        _position += sizeof(ulong);
        return value;
    }

    public uint ReadVarUInt32()
    {
        uint value = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            byte b = ReadByte();
            if (shift == 28 && b > 0x0F)
            {
                throw Malformed("a varint overflows 32 bits");
            }
            value |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                if (b == 0 && shift > 0)
                {
                    throw Malformed("a varint is not in its shortest form");
                }
                return value;
            }
        }
        throw Malformed("a varint overflows 32 bits");
    }

    /// <summary>Reads a ballot: round:u64 node:varint, the node at most <see cref="int.MaxValue"/>.</summary>
    public Paxos.Core.Ballot ReadBallot()
    {
        ulong round = ReadUInt64();
        uint node = ReadVarUInt32();
        return node <= int.MaxValue ? new Paxos.Core.Ballot(round, (int)node) : throw Malformed($"ballot node {node} is out of range");
    }

    /// <summary>Reads a varint length and that many bytes.</summary>
    public ReadOnlySpan<byte> ReadBytes(string field)
    {
        uint length = ReadVarUInt32();
        if (length > (uint)Remaining)
        {
            throw Malformed($"{field} claims {length} bytes but only {Remaining} remain");
        }
        ReadOnlySpan<byte> bytes = _source.Slice(_position, (int)length);
        _position += (int)length;
        return bytes;
    }

    /// <summary>Reads a varint byte length and that many bytes of strict UTF-8.</summary>
    public string ReadString(string field)
    {
        ReadOnlySpan<byte> bytes = ReadBytes(field);
        try
        {
            return WireFormat.StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new FormatException($"Malformed {_what}: {field} is not valid UTF-8.", e);
        }
    }

    /// <summary>Throws unless every byte has been read.</summary>
    public readonly void ExpectEnd()
    {
        if (Remaining != 0)
        {
            throw Malformed($"{Remaining} unexpected trailing bytes");
        }
    }

    /// <summary>A <see cref="FormatException"/> describing <paramref name="detail"/>.</summary>
    public readonly FormatException Malformed(string detail) => new($"Malformed {_what}: {detail}.");

    private readonly void Need(int count, string item)
    {
        if (Remaining < count)
        {
            throw Malformed($"truncated: expected {item} at byte {_position} of {_source.Length}");
        }
    }
}
