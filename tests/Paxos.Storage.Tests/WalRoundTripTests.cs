using Paxos.Storage.Wal;

namespace Paxos.Storage.Tests;

public sealed class WalRoundTripTests
{
    private static readonly WalOptions SmallSegments = new() { SegmentSize = 4096, MaxRecordSize = 1024 };

    [Fact]
    public void ManyRecordsAcrossSegmentRollsSurviveReopen()
    {
        using var dir = new TempDirectory();
        using (WriteAheadLog log = WalTestLog.Open(dir.Path, out List<RecoveredRecord> initial, SmallSegments))
        {
            Assert.Empty(initial);
            Assert.Equal(1, log.NextSequence);
            for (long i = 1; i <= 2000; i++)
            {
                Assert.Equal(i, log.Append((byte)(i % 7), WalTestLog.Payload(i)));
                if (i % 100 == 0)
                {
                    log.Sync();
                }
            }
            Assert.Equal(2000, log.DurableSequence);
        }

        string[] segments = WalTestLog.Segments(dir.Path);
        Assert.True(segments.Length > 10, $"expected many segment rolls, got {segments.Length} segments");
        Assert.Equal("0000000000000001.seg", Path.GetFileName(segments[0]));
        Assert.All(segments, s => Assert.True(new FileInfo(s).Length <= SmallSegments.SegmentSize));

        using (WriteAheadLog log = WalTestLog.Open(dir.Path, out List<RecoveredRecord> records, SmallSegments))
        {
            AssertRecords(records, 1, 2000);
            Assert.Null(log.Recovery.TornTail);
            Assert.Equal(2001, log.NextSequence);
            Assert.Equal(2001, log.Append(2001 % 7, WalTestLog.Payload(2001)));
            log.Sync();
        }
        AssertRecords(WalTestLog.ReadAll(dir.Path, SmallSegments), 1, 2001);
    }

    [Fact]
    public void EmptyAndMaximumSizePayloadsRoundTrip()
    {
        using var dir = new TempDirectory();
        var options = new WalOptions { MaxRecordSize = 300 };
        byte[] largest = [.. Enumerable.Range(0, 300).Select(i => (byte)i)];
        using (WriteAheadLog log = WalTestLog.Open(dir.Path, out _, options))
        {
            log.Append(9, []);
            log.Append(8, largest);
            log.Sync();
        }
        List<RecoveredRecord> records = WalTestLog.ReadAll(dir.Path, options);
        Assert.Equal(2, records.Count);
        Assert.Equal((byte)9, records[0].Type);
        Assert.Empty(records[0].Payload);
        Assert.Equal(largest, records[1].Payload);
    }

    [Fact]
    public void OversizedRecordIsRejectedWithAClearException()
    {
        using var dir = new TempDirectory();
        using WriteAheadLog log = WalTestLog.Open(dir.Path, out _, new WalOptions { MaxRecordSize = 100 });
        var tooBig = new byte[101];
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => log.Append(1, tooBig));
        Assert.Contains("exceeds the maximum record size of 100 bytes", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, log.Append(1, new byte[100]));
    }

    [Fact]
    public void AppendedButUnsyncedRecordsAreWrittenOnDispose()
    {
        using var dir = new TempDirectory();
        using (WriteAheadLog log = WalTestLog.Open(dir.Path, out _))
        {
            log.Append(1, WalTestLog.Payload(1));
            log.Append(2, WalTestLog.Payload(2));
            Assert.Equal(0, log.DurableSequence);
        }
        AssertRecords(WalTestLog.ReadAll(dir.Path), 1, 2);
    }

    [Fact]
    public async Task AppendAfterDisposeThrows()
    {
        using var dir = new TempDirectory();
        WriteAheadLog log = WalTestLog.Open(dir.Path, out _);
        await log.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => log.Append(1, []));
        Assert.Throws<ObjectDisposedException>(log.Flush);
        Assert.Throws<ObjectDisposedException>(log.Sync);
        Assert.Throws<ObjectDisposedException>(() => log.TruncatePrefix(1));
    }

    [Fact]
    public void InvalidOptionsAreRejected()
    {
        using var dir = new TempDirectory();
        Assert.Throws<ArgumentOutOfRangeException>(() => WalTestLog.Open(dir.Path, out _, new WalOptions { SegmentSize = 10 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => WalTestLog.Open(dir.Path, out _, new WalOptions { MaxRecordSize = -1 }));
    }

    internal static void AssertRecords(List<RecoveredRecord> records, long first, long last)
    {
        Assert.Equal(last - first + 1, records.Count);
        for (int i = 0; i < records.Count; i++)
        {
            long sequence = first + i;
            Assert.Equal(sequence, records[i].Sequence);
            Assert.Equal((byte)(sequence % 7), records[i].Type);
            Assert.Equal(WalTestLog.Payload(sequence), records[i].Payload);
        }
    }
}
