using Microsoft.Extensions.Logging;
using Paxos.Storage.Wal;

namespace Paxos.Storage.Tests;

public sealed class WalTornTailTests
{
    private const int RecordCount = 20;
    private const int HeaderSize = 24;
    private const int FrameHeaderSize = 17;

    [Fact]
    public void RecordCutAtEveryByteOfTheTailRecoversTheWholeRecordsBeforeIt()
    {
        using var dir = new TempDirectory();
        string segment = WriteRecords(dir.Path, RecordCount);
        byte[] original = File.ReadAllBytes(segment);
        long lastStart = original.Length - (FrameHeaderSize + WalTestLog.Payload(RecordCount).Length);
        Assert.True(original.Length - lastStart > FrameHeaderSize + 50, "the last record should have a sizeable payload");

        for (long cut = lastStart; cut < original.Length; cut++)
        {
            File.WriteAllBytes(segment, original.AsSpan(0, (int)cut).ToArray());
            using (WriteAheadLog log = WalTestLog.Open(dir.Path, out List<RecoveredRecord> records))
            {
                WalRoundTripTests.AssertRecords(records, 1, RecordCount - 1);
                if (cut == lastStart)
                {
                    Assert.Null(log.Recovery.TornTail);
                }
                else
                {
                    Assert.Equal(new WalTornTail(segment, lastStart, cut - lastStart), log.Recovery.TornTail);
                }
                Assert.Equal(lastStart, new FileInfo(segment).Length);
                Assert.Equal(RecordCount, log.Append(RecordCount % 7, WalTestLog.Payload(RecordCount)));
                log.Sync();
            }
            WalRoundTripTests.AssertRecords(WalTestLog.ReadAll(dir.Path), 1, RecordCount);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(FrameHeaderSize - 1)]
    [InlineData(4096)]
    public void ZerosAfterTheLastRecordAreATornTail(int zeros)
    {
        using var dir = new TempDirectory();
        string segment = WriteRecords(dir.Path, RecordCount);
        long validLength = new FileInfo(segment).Length;
        AppendBytes(segment, new byte[zeros]);

        var logger = new ListLogger();
        using WriteAheadLog log = WalTestLog.Open(dir.Path, out List<RecoveredRecord> records, new WalOptions { Logger = logger });

        WalRoundTripTests.AssertRecords(records, 1, RecordCount);
        Assert.Equal(new WalTornTail(segment, validLength, zeros), log.Recovery.TornTail);
        Assert.Equal(validLength, new FileInfo(segment).Length);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("Torn tail", StringComparison.Ordinal)
            && e.Message.Contains(segment, StringComparison.Ordinal) && e.Message.Contains($"offset {validLength}", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 100)]
    [InlineData(3, 3000)]
    public void GarbageAfterTheLastRecordIsATornTail(int seed, int length)
    {
        using var dir = new TempDirectory();
        string segment = WriteRecords(dir.Path, RecordCount);
        long validLength = new FileInfo(segment).Length;
        var garbage = new byte[length];
        new Random(seed).NextBytes(garbage);
        AppendBytes(segment, garbage);

        using (WriteAheadLog log = WalTestLog.Open(dir.Path, out List<RecoveredRecord> records))
        {
            WalRoundTripTests.AssertRecords(records, 1, RecordCount);
            Assert.Equal(new WalTornTail(segment, validLength, length), log.Recovery.TornTail);
            log.Append((RecordCount + 1) % 7, WalTestLog.Payload(RecordCount + 1));
            log.Sync();
        }
        WalRoundTripTests.AssertRecords(WalTestLog.ReadAll(dir.Path), 1, RecordCount + 1);
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
    internal static string WriteRecords(string directory, int count)
    {
        using (WriteAheadLog log = WalTestLog.Open(directory, out _))
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
}
