using Paxos.Core;
using Paxos.Storage.Files;

namespace Paxos.Storage.Wal;

/// <summary>
/// Reads every segment of a log directory in order at open, passing each record to a callback. A segment's records
/// end where zeros begin that run to the end of the file (the rest of a preallocated segment). Damage at the very
/// end of the last segment (nothing valid after it) that a cut-short write explains is a torn, never-acknowledged
/// write and is truncated away (see <see cref="WriteAheadLog"/> for the rule); any other damage throws
/// <see cref="WalCorruptionException"/>.
/// </summary>
internal static class WalRecovery
{
    /// <summary>The segments found and the state the appender continues from.</summary>
    /// <param name="Segments">The segments recovered, oldest first.</param>
    /// <param name="NextSequence">The sequence number of the next record appended.</param>
    /// <param name="LastSegmentEnd">Where the last segment's records end: the offset the next record is written at.</param>
    /// <param name="Summary">What recovery found, for the node's start-up log.</param>
    internal sealed record Result(List<WalSegment> Segments, long NextSequence, long LastSegmentEnd, WalRecoveryResult Summary);

    public static Result Recover(string directory, WalOptions options, WalRecordHandler onRecord)
    {
        IFileSystem fs = options.FileSystem;
        var segments = new List<WalSegment>();
        foreach (string path in fs.ListFiles(directory))
        {
            if (SegmentFileName.TryParse(path, out long first))
            {
                segments.Add(new WalSegment(first, path));
            }
        }
        segments.Sort((a, b) => a.FirstSequence.CompareTo(b.FirstSequence));

        long? expected = null;
        long recordCount = 0;
        long lastSegmentEnd = 0;
        WalTornTail? tornTail = null;
        for (int i = 0; i < segments.Count; i++)
        {
            bool isLast = i == segments.Count - 1;
            WalSegment segment = segments[i];
            using IFileHandle file = fs.OpenFile(segment.Path, isLast ? FileOpenMode.OpenReadWrite : FileOpenMode.OpenRead);
            using var scanner = new SegmentScanner(file, options.MaxRecordSize);
            if (isLast && (scanner.Length < WalFormat.SegmentHeaderSize || scanner.IsAllZero()))
            {
                // A crash while rolling to a new segment: its header was never made durable, and records are only
                // written after it is, so nothing in this file was acknowledged.
                WalLog.TornSegmentRemoved(options.Logger, segment.Path, scanner.Length);
                file.Dispose();
                fs.DeleteFile(segment.Path);
                fs.SyncDirectory(directory);
                segments.RemoveAt(i);
                expected ??= segment.FirstSequence;
                break;
            }
            long first = ReadHeader(scanner, segment, expected);
            long sequence = first;
            long offset = WalFormat.SegmentHeaderSize;
            while (offset < scanner.Length)
            {
                FrameStatus status = scanner.TryReadFrame(offset, out ReadOnlySpan<byte> frame);
                if (status != FrameStatus.Valid)
                {
                    long dataEnd = scanner.EndOfData(offset);
                    if (dataEnd == offset)
                    {
                        break; // only zeros from here on: the unused rest of the segment
                    }
                    string reason = Describe(status);
                    if (!isLast)
                    {
                        throw new WalCorruptionException(segment.Path, offset, reason + " in a segment that is not the last");
                    }
                    if (scanner.ValidFrameFollows(offset, dataEnd))
                    {
                        throw new WalCorruptionException(segment.Path, offset, reason + ", followed by valid records");
                    }
                    if (status == FrameStatus.BadChecksum && !HasUnwrittenSector(offset, frame))
                    {
                        throw new WalCorruptionException(segment.Path, offset, reason + " in the last record, whose every sector holds data: a damaged record, not a torn write");
                    }
                    tornTail = new WalTornTail(segment.Path, offset, dataEnd - offset);
                    WalLog.TornTailTruncated(options.Logger, segment.Path, offset, dataEnd - offset);
                    file.SetLength(offset);
                    break;
                }
                WalRecord record = WalFormat.ReadFrame(frame);
                if (record.Sequence != sequence)
                {
                    throw new WalCorruptionException(segment.Path, offset, $"record has sequence {record.Sequence}, expected {sequence}");
                }
                onRecord(record);
                recordCount++;
                sequence++;
                offset += frame.Length;
            }
            lastSegmentEnd = offset;
            // Records found after a crash may still sit only in the page cache: make them durable before anything relies on them.
            if (isLast)
            {
                file.FlushToDisk();
            }
            expected = sequence;
        }

        long next = expected ?? 1;
        long firstRetained = segments.Count > 0 ? segments[0].FirstSequence : next;
        return new Result(segments, next, lastSegmentEnd, new WalRecoveryResult(recordCount, firstRetained, next, tornTail));
    }

    /// <summary>
    /// Whether some disk sector (<see cref="WalFormat.SectorSize"/> bytes, aligned in the file) holds only zeros where
    /// <paramref name="frame"/>, at <paramref name="offset"/>, overlaps it: the mark of a write cut short, whose
    /// unwritten sectors read as the zeros the segment was preallocated or extended with.
    /// </summary>
    private static bool HasUnwrittenSector(long offset, ReadOnlySpan<byte> frame)
    {
        Invariant.Check(frame.Length >= WalFormat.FrameHeaderSize, "a frame with a bad checksum was read whole");
        int start = 0;
        while (start < frame.Length)
        {
            long sectorEnd = ((offset + start) / WalFormat.SectorSize + 1) * WalFormat.SectorSize;
            int end = (int)Math.Min(frame.Length, sectorEnd - offset);
            if (!frame[start..end].ContainsAnyExcept((byte)0))
            {
                return true;
            }
            start = end;
        }
        return false;
    }

    private static long ReadHeader(SegmentScanner scanner, WalSegment segment, long? expected)
    {
        if (!scanner.TryRead(0, WalFormat.SegmentHeaderSize, out ReadOnlySpan<byte> header))
        {
            throw new WalCorruptionException(segment.Path, 0, "segment header is truncated");
        }
        string? problem = WalFormat.ReadSegmentHeader(header, out long first);
        if (problem is not null)
        {
            throw new WalCorruptionException(segment.Path, 0, problem);
        }
        if (first != segment.FirstSequence)
        {
            throw new WalCorruptionException(segment.Path, 0, $"header says first sequence {first} but the file name says {segment.FirstSequence}");
        }
        if (expected is { } e && first != e)
        {
            throw new WalCorruptionException(segment.Path, 0, $"segment starts at sequence {first} but the previous segment ends before {e}");
        }
        return first;
    }

    private static string Describe(FrameStatus status) => status switch
    {
        FrameStatus.Incomplete => "record is incomplete",
        FrameStatus.BadLength => "record length exceeds the maximum record size",
        _ => "record checksum mismatch",
    };
}
