using System.Buffers.Binary;
using Paxos.Core;

namespace Paxos.KeyValue;

/// <summary>
/// Buffers little-endian fields onto a stream while computing their CRC-32C, then appends that
/// checksum (<see cref="Finish"/>).
/// </summary>
internal sealed class ChecksummedWriter(Stream destination)
{
    private const int BufferSize = 64 * 1024;
    private readonly Stream _destination = destination;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _buffered;
    private uint _crc;

    public void WriteByte(byte value) => Reserve(1)[0] = value;

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(sizeof(uint)), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(sizeof(ulong)), value);

    /// <summary>Writes a u32 length followed by the bytes.</summary>
    public void WriteBlock(ReadOnlySpan<byte> data)
    {
        WriteUInt32((uint)data.Length);
        if (data.Length <= BufferSize - _buffered)
        {
            data.CopyTo(Reserve(data.Length));
            return;
        }
        FlushBuffer();
        _crc = Crc32C.Append(_crc, data);
        _destination.Write(data);
    }

    /// <summary>Writes a u32 byte length followed by the UTF-8 bytes (strings here are at most a few KiB).</summary>
    public void WriteString(string value)
    {
        int length = WireFormat.StrictUtf8.GetByteCount(value);
        WriteUInt32((uint)length);
        WireFormat.StrictUtf8.GetBytes(value, Reserve(length));
    }

    /// <summary>Writes the CRC-32C of everything written so far and flushes the stream.</summary>
    public void Finish()
    {
        FlushBuffer();
        Span<byte> checksum = stackalloc byte[sizeof(uint)];
        BinaryPrimitives.WriteUInt32LittleEndian(checksum, _crc);
        _destination.Write(checksum);
        _destination.Flush();
    }

    private Span<byte> Reserve(int count)
    {
        if (count > BufferSize - _buffered)
        {
            FlushBuffer();
        }
        Span<byte> reserved = _buffer.AsSpan(_buffered, count);
        _buffered += count;
        return reserved;
    }

    private void FlushBuffer()
    {
        _crc = Crc32C.Append(_crc, _buffer.AsSpan(0, _buffered));
        _destination.Write(_buffer, 0, _buffered);
        _buffered = 0;
    }
}
