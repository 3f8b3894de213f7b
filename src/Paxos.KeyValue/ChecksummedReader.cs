using System.Buffers.Binary;
using System.Text;
using Paxos.Core;

namespace Paxos.KeyValue;

/// <summary>
/// Reads what <see cref="ChecksummedWriter"/> wrote, computing the CRC-32C as it goes. Lengths are
/// bounded before anything is allocated, and every malformation (truncation, oversized length,
/// invalid UTF-8, checksum mismatch) throws <see cref="InvalidDataException"/>.
/// </summary>
internal sealed class ChecksummedReader(Stream source)
{
    private readonly Stream _source = source;
    private readonly byte[] _scratch = new byte[sizeof(ulong)];
    private uint _crc;

    public byte ReadByte() => Read(1)[0];

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Read(sizeof(uint)));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Read(sizeof(ulong)));

    /// <summary>Reads a u32 length (at most <paramref name="maxLength"/>) and that many bytes.</summary>
    public byte[] ReadBlock(int maxLength, string what)
    {
        uint length = ReadUInt32();
        if (length > maxLength)
        {
            throw Corrupt($"{what} claims {length} bytes; at most {maxLength} are allowed");
        }
        byte[] data = new byte[length];
        Fill(data);
        _crc = Crc32C.Append(_crc, data);
        return data;
    }

    /// <summary>Reads a u32 byte length (at most <paramref name="maxBytes"/>) and that much strict UTF-8.</summary>
    public string ReadString(int maxBytes, string what)
    {
        byte[] bytes = ReadBlock(maxBytes, what);
        try
        {
            return WireFormat.StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"Corrupt key-value snapshot: {what} is not valid UTF-8.", e);
        }
    }

    /// <summary>Reads the stored checksum and throws unless it matches the bytes read so far.</summary>
    public void VerifyChecksum()
    {
        uint computed = _crc;
        Fill(_scratch.AsSpan(0, sizeof(uint)));
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(_scratch);
        if (stored != computed)
        {
            throw Corrupt($"checksum mismatch (stored 0x{stored:X8}, computed 0x{computed:X8})");
        }
    }

    public static InvalidDataException Corrupt(string detail) => new($"Corrupt key-value snapshot: {detail}.");

    private ReadOnlySpan<byte> Read(int count)
    {
        Span<byte> bytes = _scratch.AsSpan(0, count);
        Fill(bytes);
        _crc = Crc32C.Append(_crc, bytes);
        return bytes;
    }

    private void Fill(Span<byte> destination)
    {
        try
        {
            _source.ReadExactly(destination);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("Corrupt key-value snapshot: truncated.", e);
        }
    }
}
