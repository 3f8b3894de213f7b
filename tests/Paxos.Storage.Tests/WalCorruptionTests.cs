using Paxos.Storage.Wal;

namespace Paxos.Storage.Tests;

public sealed class WalCorruptionTests
{
    private const int RecordCount = 20;
    private const int HeaderSize = 24;
    private const int FrameHeaderSize = 17;

    [Theory]
    [InlineData(0)]  // a bit of the length field
    [InlineData(5)]  // a bit of the checksum
    [InlineData(9)]  // a bit of the sequence number
    [InlineData(16)] // a bit of the type
    [InlineData(FrameHeaderSize + 10)] // a bit of the payload
    public void FlippedBitInARecordFollowedByValidRecordsIsReported(int byteInFrame)
    {
        using var dir = new TempDirectory();
        string segment = WalTornTailTests.WriteRecords(dir.Path, RecordCount);
        long damaged = WalTestLog.RecordOffset(10);
        FlipBit(segment, damaged + byteInFrame);

        var ex = Assert.Throws<WalCorruptionException>(() => WalTestLog.ReadAll(dir.Path));

        Assert.Equal(segment, ex.FilePath);
        Assert.Equal(damaged, ex.Offset);
        Assert.Contains(Path.GetFileName(segment), ex.Message, StringComparison.Ordinal);
        Assert.Contains($"offset {damaged}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FlippedBitInTheSecondToLastRecordIsReported()
    {
        using var dir = new TempDirectory();
        string segment = WalTornTailTests.WriteRecords(dir.Path, RecordCount);
        long damaged = WalTestLog.RecordOffset(RecordCount - 1);
        FlipBit(segment, damaged + FrameHeaderSize + 1);

        var ex = Assert.Throws<WalCorruptionException>(() => WalTestLog.ReadAll(dir.Path));
        Assert.Equal(damaged, ex.Offset);
    }

    [Theory]
    [InlineData(5, true)]  // a bit of the checksum
    [InlineData(9, true)]  // a bit of the sequence number
    [InlineData(16, true)] // a bit of the type
    [InlineData(FrameHeaderSize + 10, true)] // a bit of the payload
    [InlineData(FrameHeaderSize + 10, false)]
    public void FlippedBitInTheLastSyncedRecordIsReportedNotTakenForATornWrite(int byteInFrame, bool preallocate)
    {
        using var dir = new TempDirectory();
        var options = new WalOptions { PreallocateSegments = preallocate, SegmentSize = 64 * 1024 };
        string segment = WalTornTailTests.WriteRecords(dir.Path, RecordCount, options);
        long damaged = WalTestLog.RecordOffset(RecordCount);
        FlipBit(segment, damaged + byteInFrame);

        var ex = Assert.Throws<WalCorruptionException>(() => WalTestLog.ReadAll(dir.Path, options));

        Assert.Equal(segment, ex.FilePath);
        Assert.Equal(damaged, ex.Offset);
    }

    [Theory]
    [InlineData(0)]  // magic
    [InlineData(8)]  // first sequence number
    [InlineData(21)] // header checksum
    public void FlippedBitInASegmentHeaderIsReported(int headerByte)
    {
        using var dir = new TempDirectory();
        string segment = WalTornTailTests.WriteRecords(dir.Path, RecordCount);
        FlipBit(segment, headerByte);

        var ex = Assert.Throws<WalCorruptionException>(() => WalTestLog.ReadAll(dir.Path));

        Assert.Equal(segment, ex.FilePath);
        Assert.Equal(0, ex.Offset);
        Assert.Contains(Path.GetFileName(segment), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LastSegmentWithAZeroedHeaderButDataIsReported()
    {
        using var dir = new TempDirectory();
        string segment = WalTornTailTests.WriteRecords(dir.Path, RecordCount);
        byte[] bytes = File.ReadAllBytes(segment);
        Array.Clear(bytes, 0, HeaderSize);
        File.WriteAllBytes(segment, bytes);

        var ex = Assert.Throws<WalCorruptionException>(() => WalTestLog.ReadAll(dir.Path));
        Assert.Equal(segment, ex.FilePath);
        Assert.Equal(0, ex.Offset);
    }

    [Fact]
    public void DamageInAnOlderSegmentIsReportedEvenAtItsEnd()
    {
        using var dir = new TempDirectory();
        var options = new WalOptions { SegmentSize = 1024 };
        WriteMany(dir.Path, 100, options);
        string[] segments = WalTestLog.Segments(dir.Path);
        Assert.True(segments.Length >= 3);

        string older = segments[1];
        long length = new FileInfo(older).Length;
        FlipBit(older, length - 1);

        var ex = Assert.Throws<WalCorruptionException>(() => WalTestLog.ReadAll(dir.Path, options));
        Assert.Equal(older, ex.FilePath);
        Assert.InRange(ex.Offset, HeaderSize, length - 1);
    }

    [Fact]
    public void TruncatedOlderSegmentIsReported()
    {
        using var dir = new TempDirectory();
        var options = new WalOptions { SegmentSize = 1024, PreallocateSegments = false };
        WriteMany(dir.Path, 100, options);
        string older = WalTestLog.Segments(dir.Path)[0];
        using (var stream = new FileStream(older, FileMode.Open))
        {
            stream.SetLength(stream.Length - 3);
        }

        var ex = Assert.Throws<WalCorruptionException>(() => WalTestLog.ReadAll(dir.Path, options));
        Assert.Equal(older, ex.FilePath);
    }

    [Fact]
    public void LostLastRecordOfAPreallocatedOlderSegmentIsReported()
    {
        // In a preallocated segment, zeros where the last record was look like the segment's clean end; the next
        // segment's first sequence number gives the loss away.
        using var dir = new TempDirectory();
        var options = new WalOptions { SegmentSize = 1024 };
        WriteMany(dir.Path, 100, options);
        string[] segments = WalTestLog.Segments(dir.Path);
        string older = segments[0];
        Assert.Equal(options.SegmentSize, new FileInfo(older).Length);
        Assert.True(SegmentFileName.TryParse(segments[1], out long secondFirst));
        long lastRecord = WalTestLog.RecordOffset(secondFirst - 1);
        byte[] bytes = File.ReadAllBytes(older);
        Assert.Equal(WalTestLog.RecordOffset(secondFirst), WalTestLog.DataEnd(older));
        Array.Clear(bytes, (int)lastRecord, bytes.Length - (int)lastRecord);
        File.WriteAllBytes(older, bytes);

        var ex = Assert.Throws<WalCorruptionException>(() => WalTestLog.ReadAll(dir.Path, options));
        Assert.Equal(segments[1], ex.FilePath);
        Assert.Equal(0, ex.Offset);
    }

    [Fact]
    public void MissingMiddleSegmentIsReported()
    {
        using var dir = new TempDirectory();
        var options = new WalOptions { SegmentSize = 1024 };
        WriteMany(dir.Path, 100, options);
        string[] segments = WalTestLog.Segments(dir.Path);
        File.Delete(segments[1]);

        var ex = Assert.Throws<WalCorruptionException>(() => WalTestLog.ReadAll(dir.Path, options));
        Assert.Equal(segments[2], ex.FilePath);
        Assert.Equal(0, ex.Offset);
    }

    private static void WriteMany(string directory, int count, WalOptions options)
    {
        using WriteAheadLog log = WalTestLog.Open(directory, out _, options);
        for (long i = 1; i <= count; i++)
        {
            log.Append((byte)(i % 7), WalTestLog.Payload(i));
        }
        log.Sync();
    }

    private static void FlipBit(string path, long offset)
    {
        byte[] bytes = File.ReadAllBytes(path);
        bytes[offset] ^= 0x10;
        File.WriteAllBytes(path, bytes);
    }
}
