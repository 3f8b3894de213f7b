using Paxos.Storage.Wal;

namespace Paxos.Storage.Tests;

/// <summary>A record copied out of recovery, for assertions.</summary>
internal sealed record RecoveredRecord(long Sequence, byte Type, byte[] Payload);

/// <summary>Opens logs in tests and collects what recovery returned.</summary>
internal static class WalTestLog
{
    private const int SegmentHeaderSize = 24;
    private const int FrameHeaderSize = 17;

    public static WriteAheadLog Open(string directory, out List<RecoveredRecord> records, WalOptions? options = null)
    {
        var collected = new List<RecoveredRecord>();
        WriteAheadLog log = WriteAheadLog.Open(directory, r => collected.Add(new RecoveredRecord(r.Sequence, r.Type, r.Payload.ToArray())), options);
        records = collected;
        return log;
    }

    public static List<RecoveredRecord> ReadAll(string directory, WalOptions? options = null)
    {
        using WriteAheadLog log = Open(directory, out List<RecoveredRecord> records, options);
        return records;
    }

    /// <summary>A deterministic payload for record <paramref name="i"/> of varying length.</summary>
    public static byte[] Payload(long i, int maxLength = 200)
    {
        var payload = new byte[(int)(i * 37 % maxLength)];
        for (int j = 0; j < payload.Length; j++)
        {
            payload[j] = (byte)(i + j * 7);
        }
        return payload;
    }

    /// <summary>The offset of record <paramref name="sequence"/> in a single segment holding records 1, 2, ... with <see cref="Payload"/>.</summary>
    public static long RecordOffset(long sequence)
    {
        long offset = SegmentHeaderSize;
        for (long i = 1; i < sequence; i++)
        {
            offset += FrameHeaderSize + Payload(i).Length;
        }
        return offset;
    }

    /// <summary>Just after the last non-zero byte of a file: where a log's records end in a preallocated segment.</summary>
    public static long DataEnd(string path) => File.ReadAllBytes(path).AsSpan().LastIndexOfAnyExcept((byte)0) + 1;

    public static string[] Segments(string directory) =>
        [.. Directory.GetFiles(directory, "*.seg").Order(StringComparer.Ordinal)];
}
