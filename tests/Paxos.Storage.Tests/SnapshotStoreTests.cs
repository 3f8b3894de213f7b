using Paxos.Simulation.Infrastructure;
using Paxos.Storage.Snapshots;

namespace Paxos.Storage.Tests;

public sealed class SnapshotStoreTests
{
    private static readonly byte[] Metadata = [1, 2, 3, 4, 5];

    [Fact]
    public void ChunkedWriteAndChunkedReadRoundTrip()
    {
        using var dir = new TempDirectory();
        byte[] content = Content(200_000, seed: 1);
        var store = new SnapshotStore(dir.Path);
        Assert.Null(store.OpenLatest());

        using (SnapshotWriter writer = store.BeginWrite(42, Metadata))
        {
            for (int offset = 0; offset < content.Length; offset += 1000)
            {
                writer.Write(content.AsSpan(offset, Math.Min(1000, content.Length - offset)));
            }
            Assert.Equal(content.Length, writer.ContentLength);
            Assert.Empty(store.ListIndexes()); // not visible before commit
            writer.Commit();
        }

        using SnapshotReader reader = new SnapshotStore(dir.Path).OpenLatest()!;
        Assert.Equal(42, reader.Index);
        Assert.Equal(Metadata, reader.Metadata.ToArray());
        Assert.Equal(content.Length, reader.ContentLength);
        var chunk = new byte[777];
        var readBack = new List<byte>();
        for (long offset = 0; ; )
        {
            int count = reader.ReadContent(offset, chunk);
            if (count == 0)
            {
                break;
            }
            readBack.AddRange(chunk.AsSpan(0, count));
            offset += count;
        }
        Assert.Equal(content, readBack);
        Assert.Equal(content.AsSpan(150_000, 10).ToArray(), ReadAt(reader, 150_000, 10));
    }

    [Fact]
    public void TwoWritersOfTheSameIndexAtOnceBothCommit()
    {
        // A node takes its own snapshot at a slot while it receives its leader's snapshot of that slot.
        using var dir = new TempDirectory();
        var store = new SnapshotStore(dir.Path);
        byte[] content = Content(10_000, seed: 3);
        using SnapshotWriter local = store.BeginWrite(7, Metadata);
        using SnapshotWriter received = store.BeginWrite(7, Metadata);
        local.Write(content);
        received.Write(content);

        local.Commit();
        received.Commit();

        using SnapshotReader reader = store.OpenLatest()!;
        Assert.Equal(7, reader.Index);
        Assert.Equal(content, ReadAt(reader, 0, content.Length));
        Assert.Equal([7L], store.ListIndexes());
    }

    [Fact]
    public void AWriterOvertakenByANewerSnapshotLeavesNothingBehind()
    {
        // A node writes its own snapshot off its loop while it receives and installs its leader's, of a later slot.
        using var dir = new TempDirectory();
        var store = new SnapshotStore(dir.Path);
        using SnapshotWriter local = store.BeginWrite(7, Metadata);
        using SnapshotWriter received = store.BeginWrite(9, Metadata);
        local.Write(Content(10_000, seed: 4));
        received.Write(Content(10_000, seed: 5));

        received.Commit();
        local.Commit();

        Assert.Equal([9L], store.ListIndexes());
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
        using SnapshotReader reader = store.OpenLatest()!;
        Assert.Equal(9, reader.Index);
    }

    [Fact]
    public void EmptyMetadataAndContentRoundTrip()
    {
        using var dir = new TempDirectory();
        var store = new SnapshotStore(dir.Path);
        store.Write(0, [], []);
        using SnapshotReader reader = store.OpenLatest()!;
        Assert.Equal(0, reader.Index);
        Assert.True(reader.Metadata.IsEmpty);
        Assert.Equal(0, reader.ContentLength);
        Assert.Equal(0, reader.ReadContent(0, new byte[10]));
    }

    [Fact]
    public void CommittingDeletesOlderSnapshotsAndLatestWins()
    {
        using var dir = new TempDirectory();
        var store = new SnapshotStore(dir.Path);
        store.Write(10, Metadata, Content(100, seed: 10));
        store.Write(20, Metadata, Content(100, seed: 20));
        store.Write(30, Metadata, Content(100, seed: 30));

        Assert.Equal([30L], store.ListIndexes());
        Assert.Single(Directory.GetFiles(dir.Path));
        using SnapshotReader reader = store.OpenLatest()!;
        Assert.Equal(30, reader.Index);
        Assert.Equal(Content(100, seed: 30), ReadAt(reader, 0, 100));
    }

    [Fact]
    public void RewritingTheSameIndexReplacesIt()
    {
        using var dir = new TempDirectory();
        var store = new SnapshotStore(dir.Path);
        store.Write(7, Metadata, Content(100, seed: 1));
        store.Write(7, Metadata, Content(50, seed: 2));
        using SnapshotReader reader = store.OpenLatest()!;
        Assert.Equal(Content(50, seed: 2), ReadAt(reader, 0, 50));
    }

    [Fact]
    public void AbandonedWriteLeavesNoTrace()
    {
        using var dir = new TempDirectory();
        var store = new SnapshotStore(dir.Path);
        store.Write(1, Metadata, Content(10, seed: 1));
        using (SnapshotWriter writer = store.BeginWrite(2, Metadata))
        {
            writer.Write(Content(10, seed: 2));
        }
        Assert.Equal([1L], store.ListIndexes());
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void OpeningTheStoreRemovesTemporaryFilesOfInterruptedWrites()
    {
        using var dir = new TempDirectory();
        new SnapshotStore(dir.Path).Write(1, Metadata, Content(10, seed: 1));
        string stray = Path.Combine(dir.Path, "0000000000000009.snap.tmp");
        File.WriteAllBytes(stray, Content(10, seed: 9));

        var store = new SnapshotStore(dir.Path);

        Assert.False(File.Exists(stray));
        Assert.Equal([1L], store.ListIndexes());
    }

    [Theory]
    [InlineData(0)]             // magic
    [InlineData(9)]             // index
    [InlineData(22)]            // content length
    [InlineData(29)]            // content checksum
    [InlineData(34)]            // header checksum
    [InlineData(36 + 2)]        // metadata
    [InlineData(36 + 5 + 5000)] // content
    public void FlippedBitIsDetected(int offset)
    {
        using var dir = new TempDirectory();
        var store = new SnapshotStore(dir.Path);
        store.Write(5, Metadata, Content(10_000, seed: 5));
        string path = Assert.Single(Directory.GetFiles(dir.Path));
        byte[] bytes = File.ReadAllBytes(path);
        bytes[offset] ^= 0x04;
        File.WriteAllBytes(path, bytes);

        var ex = Assert.Throws<SnapshotCorruptionException>(() => store.OpenLatest());
        Assert.Equal(path, ex.FilePath);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedSnapshotIsDetected()
    {
        using var dir = new TempDirectory();
        var store = new SnapshotStore(dir.Path);
        store.Write(5, Metadata, Content(10_000, seed: 5));
        string path = Assert.Single(Directory.GetFiles(dir.Path));
        using (var stream = new FileStream(path, FileMode.Open))
        {
            stream.SetLength(stream.Length - 1);
        }
        Assert.Throws<SnapshotCorruptionException>(() => store.OpenLatest());
    }

    [Fact]
    public void CrashBeforeCommitKeepsTheOldSnapshotAndAfterCommitHasTheNewOne()
    {
        var fs = new SimFileSystem(new SimRandom(1));
        const string dir = "/sim/snapshots";
        var store = new SnapshotStore(dir, fs);
        store.Write(5, Metadata, Content(5000, seed: 5));

        SimFileSystem crashedMidWrite;
        SimFileSystem crashedAfterCommit;
        using (SnapshotWriter writer = store.BeginWrite(9, Metadata))
        {
            writer.Write(Content(5000, seed: 9));
            crashedMidWrite = fs.CrashCopy();
            long syncs = fs.Syncs;
            writer.Commit();
            Assert.Equal(syncs + 1, fs.Syncs);
            crashedAfterCommit = fs.CrashCopy();
        }

        var before = new SnapshotStore(dir, crashedMidWrite);
        Assert.Equal([5L], before.ListIndexes());
        Assert.Single(crashedMidWrite.ListFiles(dir)); // the temporary file is cleaned up
        using (SnapshotReader reader = before.OpenLatest()!)
        {
            Assert.Equal(Content(5000, seed: 5), ReadAt(reader, 0, 5000));
        }

        var after = new SnapshotStore(dir, crashedAfterCommit);
        Assert.Equal([9L], after.ListIndexes());
        using (SnapshotReader reader = after.OpenLatest()!)
        {
            Assert.Equal(Content(5000, seed: 9), ReadAt(reader, 0, 5000));
        }
    }

    private static byte[] ReadAt(SnapshotReader reader, long offset, int count)
    {
        var buffer = new byte[count];
        Assert.Equal(count, reader.ReadContent(offset, buffer));
        return buffer;
    }

    private static byte[] Content(int length, int seed)
    {
        var content = new byte[length];
        new Random(seed).NextBytes(content);
        return content;
    }
}
