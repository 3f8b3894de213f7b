using Paxos.Simulation.Infrastructure;
using Paxos.Storage.Wal;

namespace Paxos.Storage.Tests;

public sealed class WalTruncatePrefixTests
{
    private static readonly WalOptions SmallSegments = new() { SegmentSize = 1024 };

    [Theory]
    [InlineData(-1, 2)] // just below segment 3's first record: segment 2 still has a record at or above the bound
    [InlineData(0, 3)]  // exactly segment 3's first record: segments 0..2 are entirely below
    [InlineData(1, 3)]  // inside segment 3: it is kept
    public void DeletesOnlySegmentsEntirelyBelowTheSequence(int delta, int expectedDeleted)
    {
        using var dir = new TempDirectory();
        long[] firsts = WriteRecords(dir.Path, 200);
        Assert.True(firsts.Length > 5);
        long upTo = firsts[3] + delta;

        using (WriteAheadLog log = WalTestLog.Open(dir.Path, out _, SmallSegments))
        {
            Assert.Equal(expectedDeleted, log.TruncatePrefix(upTo));
            Assert.Equal(firsts[expectedDeleted], log.FirstSequence);
        }

        Assert.Equal(firsts.Skip(expectedDeleted), WalTestLog.Segments(dir.Path).Select(FirstSequenceOf));
        using (WriteAheadLog log = WalTestLog.Open(dir.Path, out List<RecoveredRecord> records, SmallSegments))
        {
            WalRoundTripTests.AssertRecords(records, firsts[expectedDeleted], 200);
            Assert.Equal(firsts[expectedDeleted], log.Recovery.FirstSequence);
            Assert.Equal(201, log.Append(201 % 7, WalTestLog.Payload(201)));
        }
    }

    [Fact]
    public void NeverDeletesTheActiveSegment()
    {
        using var dir = new TempDirectory();
        long[] firsts = WriteRecords(dir.Path, 200);
        using (WriteAheadLog log = WalTestLog.Open(dir.Path, out _, SmallSegments))
        {
            Assert.Equal(firsts.Length - 1, log.TruncatePrefix(long.MaxValue));
            Assert.Equal(0, log.TruncatePrefix(long.MaxValue));
            log.Append(201 % 7, WalTestLog.Payload(201));
            log.Sync();
        }
        WalRoundTripTests.AssertRecords(WalTestLog.ReadAll(dir.Path, SmallSegments), firsts[^1], 201);
    }

    [Fact]
    public void RegularTruncationKeepsDiskBounded()
    {
        using var dir = new TempDirectory();
        using WriteAheadLog log = WalTestLog.Open(dir.Path, out _, SmallSegments);
        for (int round = 0; round < 20; round++)
        {
            for (int i = 0; i < 50; i++)
            {
                long next = log.NextSequence;
                log.Append((byte)(next % 7), WalTestLog.Payload(next));
            }
            log.Sync();
            log.TruncatePrefix(log.NextSequence - 10);
            Assert.InRange(WalTestLog.Segments(dir.Path).Length, 1, 3);
        }
    }

    [Fact]
    public void DeletionsAreDurableAcrossACrash()
    {
        var fs = new SimFileSystem(new SimRandom(1));
        var options = new WalOptions { FileSystem = fs, SegmentSize = 1024 };
        const string dir = "/sim/wal";
        SimFileSystem crashed;
        using (WriteAheadLog log = WalTestLog.Open(dir, out _, options))
        {
            for (long i = 1; i <= 200; i++)
            {
                log.Append((byte)(i % 7), WalTestLog.Payload(i));
            }
            log.Sync();
            long directorySyncs = fs.DirectorySyncs;
            Assert.True(log.TruncatePrefix(100) > 0);
            Assert.Equal(directorySyncs + 1, fs.DirectorySyncs);
            crashed = fs.CrashCopy();
        }
        List<RecoveredRecord> records = WalTestLog.ReadAll(dir, new WalOptions { FileSystem = crashed, SegmentSize = 1024 });
        Assert.InRange(records[0].Sequence, 2, 100);
        Assert.Equal(200, records[^1].Sequence);
    }

    private static long[] WriteRecords(string directory, int count)
    {
        using (WriteAheadLog log = WalTestLog.Open(directory, out _, SmallSegments))
        {
            for (long i = 1; i <= count; i++)
            {
                log.Append((byte)(i % 7), WalTestLog.Payload(i));
            }
            log.Sync();
        }
        return [.. WalTestLog.Segments(directory).Select(FirstSequenceOf)];
    }

    private static long FirstSequenceOf(string segmentPath) =>
        Convert.ToInt64(Path.GetFileNameWithoutExtension(segmentPath), 16);
}
