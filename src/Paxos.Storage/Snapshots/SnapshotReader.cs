using Paxos.Storage.Files;

namespace Paxos.Storage.Snapshots;

/// <summary>
/// A verified snapshot, open for reading its content in chunks at any offset (for example to stream it to a
/// lagging replica) without loading it into memory. Obtained from <see cref="SnapshotStore.OpenLatest"/>.
/// </summary>
public sealed class SnapshotReader : ISnapshotContent, IDisposable
{
    private readonly IFileHandle _file;
    private readonly long _contentStart;

    internal SnapshotReader(IFileHandle file, long index, byte[] metadata, long contentLength, uint contentCrc)
    {
        _file = file;
        Index = index;
        Metadata = metadata;
        ContentLength = contentLength;
        ContentCrc = contentCrc;
        _contentStart = SnapshotFormat.HeaderSize + metadata.Length;
    }

    /// <summary>The snapshot file.</summary>
    public string FilePath => _file.Path;

    /// <summary>The log index the snapshot covers.</summary>
    public long Index { get; }

    /// <summary>The caller's metadata stored with the snapshot.</summary>
    public ReadOnlyMemory<byte> Metadata { get; }

    /// <summary>The length of the content in bytes.</summary>
    public long ContentLength { get; }

    /// <summary>The CRC-32C of the content, as the file's header holds it (verified when the snapshot was opened).</summary>
    public uint ContentCrc { get; }

    /// <summary>
    /// Copies content starting at <paramref name="offset"/> into <paramref name="destination"/>; returns how many
    /// bytes were copied, fewer than the destination's length only at the end of the content.
    /// </summary>
    public int ReadContent(long offset, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, ContentLength);
        int count = (int)Math.Min(destination.Length, ContentLength - offset);
        int read = _file.Read(destination[..count], _contentStart + offset);
        if (read != count)
        {
            throw new SnapshotCorruptionException(FilePath, $"content ended at {offset + read} bytes, expected {ContentLength}");
        }
        return read;
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _file.Dispose();
}
