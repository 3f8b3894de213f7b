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

    /// <summary>Makes every write to this file so far durable (fsync).</summary>
    void FlushToDisk();

    /// <summary>Truncates or extends the file to <paramref name="length"/> bytes.</summary>
    void SetLength(long length);
}
