using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Paxos.Storage.Files;

namespace Paxos.Storage.Wal;

/// <summary>Settings of a <see cref="WriteAheadLog"/>.</summary>
public sealed class WalOptions
{
    /// <summary>
    /// The size in bytes at which the log starts a new segment file (default 64 MiB). A segment holds at least one
    /// record, so a segment may exceed this by at most one record's frame.
    /// </summary>
    public long SegmentSize { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Whether a new segment file sets aside <see cref="SegmentSize"/> bytes of disk at once (default true): appends
    /// then overwrite zeros inside the file instead of growing it, and each group commit's fdatasync has no file size
    /// to sync, which makes it markedly cheaper (bench/fsync_latency.py). Recovery reads zeros after the last record
    /// as the end of the log.
    /// </summary>
    public bool PreallocateSegments { get; init; } = true;

    /// <summary>
    /// The largest payload in bytes a record may have (default 1 MiB). Appending a larger one throws
    /// <see cref="ArgumentOutOfRangeException"/>. Must not be lowered between runs over the same directory, because
    /// recovery treats a longer length field as damage.
    /// </summary>
    public int MaxRecordSize { get; init; } = 1024 * 1024;

    /// <summary>The file layer (default the real one, <see cref="PhysicalFileSystem.Instance"/>).</summary>
    public IFileSystem FileSystem { get; init; } = PhysicalFileSystem.Instance;

    /// <summary>Where recovery reports torn tails and compaction reports deleted segments (default none).</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRecordSize, 0, nameof(MaxRecordSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxRecordSize, WalFormat.MaxPayloadLimit, nameof(MaxRecordSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(SegmentSize, WalFormat.SegmentHeaderSize + WalFormat.FrameHeaderSize, nameof(SegmentSize));
        ArgumentNullException.ThrowIfNull(FileSystem, nameof(FileSystem));
        ArgumentNullException.ThrowIfNull(Logger, nameof(Logger));
    }
}
