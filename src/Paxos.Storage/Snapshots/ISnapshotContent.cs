namespace Paxos.Storage.Snapshots;

/// <summary>A snapshot's content, readable in chunks at any offset.</summary>
public interface ISnapshotContent
{
    /// <summary>The length of the content in bytes.</summary>
    long ContentLength { get; }

    /// <summary>
    /// Copies content starting at <paramref name="offset"/> into <paramref name="destination"/>; returns how many
    /// bytes were copied, fewer than the destination's length only at the end of the content.
    /// </summary>
    int ReadContent(long offset, Span<byte> destination);
}
