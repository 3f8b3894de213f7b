using Microsoft.Extensions.Logging;
using Paxos.Storage.Wal;

namespace Paxos.Storage.Tests;

/// <summary>
/// Recovery after a crash in the middle of a write, with preallocated segments (a torn write leaves its first bytes
/// and then the zeros of the reserved space) and without (the file simply ends early).
/// </summary>
public sealed class WalTornTailTests
{
    private const int RecordCount = 20;
    private const int HeaderSize = 24;
    private const int FrameHeaderSize = 17;
    private const int SectorSize = 512;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RecordCutAtEveryByteOfTheTailRecoversTheWholeRecordsBeforeIt(bool preallocate)
    {
        using var dir = new TempDirectory();
        var options = new WalOptions { PreallocateSegments = preallocate, SegmentSize = 64 * 1024 };
        string segment = WriteRecords(dir.Path, RecordCount, options);
        byte[] original = File.ReadAllBytes(segment);
        long dataEnd = WalTestLog.RecordOffset(RecordCount + 1);
        long lastStart = WalTestLog.RecordOffset(RecordCount);
        Assert.True(dataEnd - lastStart > FrameHeaderSize + 50, "the last record should have a sizeable payload");
        Assert.Equal(preallocate ? options.SegmentSize : dataEnd, original.Length);

        for (long end = lastStart; end < dataEnd; end++)
        {
            // What a crash leaves of the last write: its first bytes, then what the file held before (zeros, if any).
            // A disk writes whole sectors, so in a preallocated file the write stops at a sector boundary; without
            // preallocation the file may end anywhere.
            long cut = preallocate ? Math.Max(lastStart, end - (end % SectorSize)) : end;
            byte[] torn = new byte[preallocate ? original.Length : cut];
            original.AsSpan(0, (int)cut).CopyTo(torn);
            File.WriteAllBytes(segment, torn);
            using (WriteAheadLog log = WalTestLog.Open(dir.Path, out List<RecoveredRecord> records, options))
            {
                WalRoundTripTests.AssertRecords(records, 1, RecordCount - 1);
                long tornBytes = torn.AsSpan((int)lastStart, (int)(cut - lastStart)).LastIndexOfAnyExcept((byte)0) + 1;
                Assert.Equal(tornBytes == 0 ? null : new WalTornTail(segment, lastStart, tornBytes), log.Recovery.TornTail);
                Assert.Equal(preallocate ? options.SegmentSize : lastStart, new FileInfo(segment).Length);
                Assert.Equal(RecordCount, log.Append(RecordCount % 7, WalTestLog.Payload(RecordCount)));
                log.Sync();
            }
            WalRoundTripTests.AssertRecords(WalTestLog.ReadAll(dir.Path, options), 1, RecordCount);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void ALargeLastRecordMissingAnySectorIsATornTail(int missingSector)
    {
        using var dir = new TempDirectory();
        var options = new WalOptions { PreallocateSegments = true, SegmentSize = 64 * 1024 };
        string segment = WriteRecords(dir.Path, RecordCount, options);
        using (WriteAheadLog log = WalTestLog.Open(dir.Path, out _, options))
        {
            byte[] large = new byte[2000];
            Array.Fill(large, (byte)0x5A);
            log.Append(1, large);
            log.Sync();
        }
        long lastStart = WalTestLog.RecordOffset(RecordCount + 1);
        long firstSector = lastStart / SectorSize;
        long sector = (firstSector + missingSector) * SectorSize;
        byte[] bytes = File.ReadAllBytes(segment);
        long from = Math.Max(sector, lastStart); // the first sector also holds earlier, synced records: they stay
        bytes.AsSpan((int)from, (int)(sector + SectorSize - from)).Clear(); // that sector of the last write never reached the disk
        File.WriteAllBytes(segment, bytes);

        using (WriteAheadLog log = WalTestLog.Open(dir.Path, out List<RecoveredRecord> records, options))
        {
            WalRoundTripTests.AssertRecords(records, 1, RecordCount);
            Assert.Equal(lastStart, log.Recovery.TornTail?.Offset);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(FrameHeaderSize - 1)]
    [InlineData(4096)]
    public void ZerosAfterTheLastRecordAreTheCleanEndOfTheLog(int zeros)
    {
        using var dir = new TempDirectory();
        var options = new WalOptions { PreallocateSegments = false };
        string segment = WriteRecords(dir.Path, RecordCount, options);
        long dataEnd = new FileInfo(segment).Length;
        AppendBytes(segment, new byte[zeros]);

        var logger = new ListLogger();
        using (WriteAheadLog log = WalTestLog.Open(dir.Path, out List<RecoveredRecord> records, new WalOptions { Logger = logger, PreallocateSegments = false }))
        {
            WalRoundTripTests.AssertRecords(records, 1, RecordCount);
            Assert.Null(log.Recovery.TornTail);
            Assert.DoesNotContain(logger.Entries, e => e.Level >= LogLevel.Warning);
            Assert.Equal(dataEnd + zeros, new FileInfo(segment).Length);
            log.Append((RecordCount + 1) % 7, WalTestLog.Payload(RecordCount + 1));
            log.Sync();
        }
        Assert.Equal(WalTestLog.RecordOffset(RecordCount + 2), WalTestLog.DataEnd(segment));
        WalRoundTripTests.AssertRecords(WalTestLog.ReadAll(dir.Path, options), 1, RecordCount + 1);
    }

    [Theory]
    [InlineData(1, 5, true)]
    [InlineData(2, 100, true)]
    [InlineData(3, 3000, true)]
    [InlineData(1, 5, false)]
    [InlineData(3, 3000, false)]
    public void GarbageAfterTheLastRecordIsATornTail(int seed, int length, bool preallocate)
    {
        using var dir = new TempDirectory();
        var options = new WalOptions { PreallocateSegments = preallocate, SegmentSize = 64 * 1024 };
        string segment = WriteRecords(dir.Path, RecordCount, options);
        long dataEnd = WalTestLog.RecordOffset(RecordCount + 1);
        var garbage = new byte[length];
        new Random(seed).NextBytes(garbage);
        garbage[^1] = 0xA5; // so that the garbage's own end is where the data ends
        WriteBytes(segment, dataEnd, garbage);

        var logger = new ListLogger();
        using (WriteAheadLog log = WalTestLog.Open(dir.Path, out List<RecoveredRecord> records, new WalOptions { PreallocateSegments = preallocate, SegmentSize = 64 * 1024, Logger = logger }))
        {
            WalRoundTripTests.AssertRecords(records, 1, RecordCount);
            Assert.Equal(new WalTornTail(segment, dataEnd, length), log.Recovery.TornTail);
            Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("Torn tail", StringComparison.Ordinal)
                && e.Message.Contains(segment, StringComparison.Ordinal) && e.Message.Contains($"offset {dataEnd}", StringComparison.Ordinal));
            log.Append((RecordCount + 1) % 7, WalTestLog.Payload(RecordCount + 1));
            log.Sync();
        }
        WalRoundTripTests.AssertRecords(WalTestLog.ReadAll(dir.Path, options), 1, RecordCount + 1);
    }

    [Fact]
    public void GarbageAtTheFarEndOfAPreallocatedSegmentIsATornTailFoundQuickly()
    {
        using var dir = new TempDirectory();
        string segment = WriteRecords(dir.Path, RecordCount); // the default: 64 MiB, preallocated
        long dataEnd = WalTestLog.RecordOffset(RecordCount + 1);
        long length = new FileInfo(segment).Length;
        Assert.Equal(new WalOptions().SegmentSize, length);
        WriteBytes(segment, length - 3, [1, 2, 3]);

        using (WriteAheadLog log = WalTestLog.Open(dir.Path, out List<RecoveredRecord> records))
        {
            WalRoundTripTests.AssertRecords(records, 1, RecordCount);
            Assert.Equal(new WalTornTail(segment, dataEnd, length - dataEnd), log.Recovery.TornTail);
        }
        Assert.Equal(length, new FileInfo(segment).Length); // cut back at the torn tail, then set aside again
        Assert.Equal(dataEnd, WalTestLog.DataEnd(segment));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(HeaderSize - 1)]
    [InlineData(HeaderSize)]
    [InlineData(HeaderSize + 100)]
    public void NewSegmentWithoutAValidHeaderOrAnyDataIsRemoved(int zeros)
    {
        using var dir = new TempDirectory();
        string segment = WriteRecords(dir.Path, RecordCount);
        string torn = Path.Combine(dir.Path, $"{RecordCount + 1:X16}.seg");
        File.WriteAllBytes(torn, new byte[zeros]);

        using (WriteAheadLog log = WalTestLog.Open(dir.Path, out List<RecoveredRecord> records))
        {
            WalRoundTripTests.AssertRecords(records, 1, RecordCount);
            Assert.False(File.Exists(torn));
            log.Append((RecordCount + 1) % 7, WalTestLog.Payload(RecordCount + 1));
            log.Sync();
        }
        Assert.Equal([segment], WalTestLog.Segments(dir.Path));
        WalRoundTripTests.AssertRecords(WalTestLog.ReadAll(dir.Path), 1, RecordCount + 1);
    }

    /// <summary>Writes records 1..count into a fresh log (one segment) and returns the segment's path.</summary>
    internal static string WriteRecords(string directory, int count, WalOptions? options = null)
    {
        using (WriteAheadLog log = WalTestLog.Open(directory, out _, options))
        {
            for (long i = 1; i <= count; i++)
            {
                log.Append((byte)(i % 7), WalTestLog.Payload(i));
            }
            log.Sync();
        }
        return Assert.Single(WalTestLog.Segments(directory));
    }

    private static void AppendBytes(string path, byte[] bytes)
    {
        using var stream = new FileStream(path, FileMode.Append);
        stream.Write(bytes);
    }

    private static void WriteBytes(string path, long offset, byte[] bytes)
    {
        using var stream = new FileStream(path, FileMode.Open);
        stream.Position = offset;
        stream.Write(bytes);
    }
}
