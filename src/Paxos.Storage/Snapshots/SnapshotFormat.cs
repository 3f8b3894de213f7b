using System.Buffers.Binary;
using System.Globalization;
using Paxos.Core;

namespace Paxos.Storage.Snapshots;

/// <summary>
/// The on-disk layout of a snapshot file, <c>{index as 16 hex digits}.snap</c>. All integers are little-endian.
/// <code>
/// header (36 bytes): magic "PXSN" (u32) | version (u16) = 1 | reserved (u16) = 0 | index (u64)
///                    | metadata length m (u32) | content length n (u64) | CRC-32C of the content (u32)
///                    | CRC-32C of the preceding 32 header bytes and the metadata (u32)
/// then:              metadata (m bytes) | content (n bytes)
/// </code>
/// </summary>
internal static class SnapshotFormat
{
    public const int HeaderSize = 36;
    public const int MaxMetadataSize = 16 * 1024 * 1024;
    public const string Extension = ".snap";
    public const string TempExtension = ".snap.tmp";

    private const uint Magic = 0x4E535850; // "PXSN" read as a little-endian u32
    private const ushort Version = 1;

    /// <summary>The fields of a snapshot header.</summary>
    internal readonly record struct Header(long Index, int MetadataLength, long ContentLength, uint ContentCrc);

    public static string FileName(long index) => index.ToString("X16", CultureInfo.InvariantCulture) + Extension;

    public static bool TryParseFileName(string path, out long index)
    {
        string name = Path.GetFileName(path);
        index = 0;
        return name.Length == 16 + Extension.Length
            && name.EndsWith(Extension, StringComparison.Ordinal)
            && long.TryParse(name.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out index)
            && index >= 0;
    }

    public static void WriteHeader(Span<byte> destination, Header header, ReadOnlySpan<byte> metadata)
    {
        Span<byte> h = destination[..HeaderSize];
        h.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(h, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], Version);
        BinaryPrimitives.WriteInt64LittleEndian(h[8..], header.Index);
        BinaryPrimitives.WriteInt32LittleEndian(h[16..], header.MetadataLength);
        BinaryPrimitives.WriteInt64LittleEndian(h[20..], header.ContentLength);
        BinaryPrimitives.WriteUInt32LittleEndian(h[28..], header.ContentCrc);
        BinaryPrimitives.WriteUInt32LittleEndian(h[32..], HeaderChecksum(h, metadata));
    }

    /// <summary>Reads the fixed header without checking its checksum (which needs the metadata); null if the magic or version is wrong.</summary>
    public static string? ReadHeader(ReadOnlySpan<byte> h, out Header header)
    {
        header = new Header(
            BinaryPrimitives.ReadInt64LittleEndian(h[8..]),
            BinaryPrimitives.ReadInt32LittleEndian(h[16..]),
            BinaryPrimitives.ReadInt64LittleEndian(h[20..]),
            BinaryPrimitives.ReadUInt32LittleEndian(h[28..]));
        if (BinaryPrimitives.ReadUInt32LittleEndian(h) != Magic)
        {
            return "not a snapshot file (bad magic)";
        }
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(h[4..]);
        if (version != Version)
        {
            return $"unsupported snapshot version {version}";
        }
        return header.MetadataLength is < 0 or > MaxMetadataSize || header.ContentLength < 0
            ? "header lengths are out of range"
            : null;
    }

    public static bool HeaderChecksumMatches(ReadOnlySpan<byte> h, ReadOnlySpan<byte> metadata) =>
        BinaryPrimitives.ReadUInt32LittleEndian(h[32..]) == HeaderChecksum(h, metadata);

    private static uint HeaderChecksum(ReadOnlySpan<byte> h, ReadOnlySpan<byte> metadata) =>
        Crc32C.Append(Crc32C.Compute(h[..32]), metadata);
}
