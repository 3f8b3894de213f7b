namespace Paxos.Storage.Files;

/// <summary>
/// An open file addressed by absolute byte offsets (no implicit position), as exposed by an <see cref="IFileSystem"/>.
/// Not thread-safe: one owner uses a handle at a time.
/// </summary>
public interface IFileHandle : IDisposable
{
    /// <summary>The path the handle was opened with.</summary>
    string Path { get; }

    /// <summary>The current length of the file in bytes.</summary>
    long Length { get; }

    /// <summary>Reads up to <c>buffer.Length</c> bytes at <paramref name="offset"/>; returns fewer only at end of file.</summary>
    int Read(Span<byte> buffer, long offset);

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="offset"/>, extending the file if needed.</summary>
    void Write(ReadOnlySpan<byte> data, long offset);

    /// <summary>Makes every write to this file so far durable, and all of its metadata (fsync).</summary>
    void FlushToDisk();

    /// <summary>
    /// Makes every write to this file so far durable, with the metadata needed to read it back (its length and
    /// block allocation) but not, say, its modification time (fdatasync). Cheaper than <see cref="FlushToDisk"/>,
    /// most of all for writes inside space set aside with <see cref="Reserve"/>.
    /// </summary>
    void FlushDataToDisk();

    /// <summary>
    /// Sets disk space aside so that the file is at least <paramref name="length"/> bytes long, the added bytes reading
    /// as zeros; a later write inside that space then changes no file size to sync. Best effort: where the file system
    /// cannot do it, the file stays as it was. Durable after the next <see cref="FlushToDisk"/>.
    /// </summary>
    void Reserve(long length);

    /// <summary>Truncates or extends the file to <paramref name="length"/> bytes.</summary>
    void SetLength(long length);
}
