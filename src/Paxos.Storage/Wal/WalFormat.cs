using System.Buffers.Binary;
using Paxos.Core;

namespace Paxos.Storage.Wal;

/// <summary>
/// The on-disk layout of segment files. All integers are little-endian.
/// <code>
/// segment header (24 bytes): magic "PXWL" (u32) | version (u16) = 1 | reserved (u16) = 0 | first sequence (u64)
///                            | reserved (u32) = 0 | CRC-32C of the preceding 20 bytes (u32)
/// record frame (17 + n):     payload length n (u32) | CRC-32C (u32) | sequence (u64) | type (u8) | payload (n bytes)
/// </code>
/// A frame's CRC covers its length, sequence, type and payload (every byte of the frame except the CRC itself).
/// </summary>
internal static class WalFormat
{
    public const int SegmentHeaderSize = 24;
    public const int FrameHeaderSize = 17;
    public const ushort Version = 1;

    /// <summary>The unit a disk writes whole: a write cut short by a crash leaves whole sectors unwritten.</summary>
    public const int SectorSize = 512;

    /// <summary>The hard ceiling for <see cref="WalOptions.MaxRecordSize"/>.</summary>
    public const int MaxPayloadLimit = 256 * 1024 * 1024;

    private const uint Magic = 0x4C575850; // "PXWL" read as a little-endian u32

    public static void WriteSegmentHeader(Span<byte> destination, long firstSequence)
    {
        Span<byte> header = destination[..SegmentHeaderSize];
        header.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], Version);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], firstSequence);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], Crc32C.Compute(header[..20]));
    }

    /// <summary>Validates a segment header; returns why it is invalid, or <see langword="null"/> if it is valid.</summary>
    public static string? ReadSegmentHeader(ReadOnlySpan<byte> header, out long firstSequence)
    {
        firstSequence = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header[20..]) != Crc32C.Compute(header[..20]))
        {
            return "segment header checksum mismatch";
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
        {
            return "not a segment file (bad magic)";
        }
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        return version == Version ? null : $"unsupported segment version {version}";
    }

    /// <summary>Encodes one frame into <paramref name="destination"/>, which must hold <see cref="FrameHeaderSize"/> + payload bytes.</summary>
    public static void WriteFrame(Span<byte> destination, long sequence, byte type, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, payload.Length);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], sequence);
        destination[16] = type;
        payload.CopyTo(destination[FrameHeaderSize..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], FrameChecksum(destination[..(FrameHeaderSize + payload.Length)]));
    }

    /// <summary>The payload length a frame header claims.</summary>
    public static uint ReadPayloadLength(ReadOnlySpan<byte> frameHeader) => BinaryPrimitives.ReadUInt32LittleEndian(frameHeader);

    /// <summary>Whether a whole frame's stored checksum matches its contents.</summary>
    public static bool FrameChecksumMatches(ReadOnlySpan<byte> frame) =>
        BinaryPrimitives.ReadUInt32LittleEndian(frame[4..]) == FrameChecksum(frame);

    public static WalRecord ReadFrame(ReadOnlySpan<byte> frame) =>
        new(BinaryPrimitives.ReadInt64LittleEndian(frame[8..]), frame[16], frame[FrameHeaderSize..]);

    private static uint FrameChecksum(ReadOnlySpan<byte> frame) =>
        Crc32C.Append(Crc32C.Compute(frame[..4]), frame[8..]);
}
