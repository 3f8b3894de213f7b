using Microsoft.Extensions.Logging;

namespace Paxos.Storage.Wal;

/// <summary>The log messages of the write-ahead log.</summary>
internal static partial class WalLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
        Message = "Torn tail in '{Path}': discarded {DiscardedBytes} unacknowledged bytes from offset {Offset}")]
    public static partial void TornTailTruncated(ILogger logger, string path, long offset, long discardedBytes);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "Torn segment '{Path}': removed it, its header was never completed ({Length} bytes, none of them data)")]
    public static partial void TornSegmentRemoved(ILogger logger, string path, long length);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information,
        Message = "Recovered {RecordCount} records from '{Directory}', next sequence {NextSequence}")]
    public static partial void Recovered(ILogger logger, string directory, long recordCount, long nextSequence);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information,
        Message = "Deleted segment '{Path}' (all its records are below sequence {UpToSequence})")]
    public static partial void SegmentDeleted(ILogger logger, string path, long upToSequence);
}
