using System.Text;
using Paxos.Simulation.Infrastructure;
using Paxos.Storage.Files;

namespace Paxos.Simulation.Tests;

public class SimFileSystemTests
{
    [Fact]
    public void CrashLosesUnsyncedWritesAndKeepsSyncedOnes()
    {
        var disk = new SimFileSystem(new SimRandom(1));
        Append(disk, "/d/wal", "synced|", sync: true);
        Append(disk, "/d/wal", "unsynced", sync: false);
        Append(disk, "/d/other", "never synced", sync: false);
        disk.SyncDirectory("/d");

        Assert.Equal("synced|unsynced", Read(disk, "/d/wal"));

        DiskCrashOutcome outcome = disk.Crash(tearLastWrite: false);

        Assert.Equal("synced|", Read(disk, "/d/wal"));
        Assert.Equal("", Read(disk, "/d/other"));
        Assert.Equal(2, outcome.LostWrites);
        Assert.Equal(20, outcome.LostBytes);
        Assert.Null(outcome.TornFile);
    }

    [Fact]
    public void CreationsRenamesAndDeletionsLastOnlyOnceTheirDirectoryIsSynced()
    {
        var disk = new SimFileSystem(new SimRandom(1));
        Append(disk, "/d/kept", "k", sync: true);
        Append(disk, "/d/old", "o", sync: true);
        disk.SyncDirectory("/d");
        Append(disk, "/d/new", "n", sync: true);
        disk.DeleteFile("/d/old");
        disk.RenameFile("/d/kept", "/d/moved");

        Assert.Equal(["/d/moved", "/d/new"], disk.ListFiles("/d"));

        disk.Crash(tearLastWrite: false);

        Assert.Equal(["/d/kept", "/d/old"], disk.ListFiles("/d"));
        Assert.Equal("k", Read(disk, "/d/kept"));
    }

    [Fact]
    public void TornCrashKeepsEarlierUnsyncedWritesAndWholeSectorsOfTheLastOnly()
    {
        string durable = new('d', 100);
        string first = new('f', 400);
        string last = string.Concat(Enumerable.Range(0, 1500).Select(i => (char)('a' + (i % 26))));
        var kept = new HashSet<long>();
        for (ulong seed = 1; seed <= 40; seed++)
        {
            var disk = new SimFileSystem(new SimRandom(seed));
            Append(disk, "/d/wal", durable, sync: true);
            disk.SyncDirectory("/d");
            Append(disk, "/d/wal", first, sync: false);
            Append(disk, "/d/wal", last, sync: false);

            DiskCrashOutcome outcome = disk.Crash(tearLastWrite: true);
            string content = Read(disk, "/d/wal");

            Assert.Equal("/d/wal", outcome.TornFile);
            Assert.StartsWith(content, durable + first + last, StringComparison.Ordinal);
            Assert.True(content.Length < (durable + first + last).Length);
            Assert.Equal(content.Length, (durable + first).Length + outcome.TornBytesKept);
            Assert.True(content.Length == (durable + first).Length || content.Length % SimFileSystem.SectorSize == 0, $"kept {content.Length} bytes: not whole sectors");
            kept.Add(outcome.TornBytesKept);
        }

        Assert.Equal([0L, 12L, 524L, 1036L], kept.Order());
    }

    [Fact]
    public void HandlesOfTheCrashedProcessFail()
    {
        var disk = new SimFileSystem(new SimRandom(1));
        using IFileHandle handle = disk.OpenFile("/d/wal", FileOpenMode.CreateNew);
        disk.SyncDirectory("/d");

        disk.Crash(tearLastWrite: false);

        Assert.Throws<IOException>(() => handle.Write("x"u8, 0));
        Assert.Throws<IOException>(() => handle.FlushToDisk());
        Assert.Equal(0, disk.OpenFile("/d/wal", FileOpenMode.OpenRead).Length);
    }

    [Fact]
    public void ReservedSpaceAndTruncationReadAsZerosAndLastOnlyOnceSynced()
    {
        var disk = new SimFileSystem(new SimRandom(1));
        using (IFileHandle handle = disk.OpenFile("/d/seg", FileOpenMode.CreateNew))
        {
            handle.Write("abcdef"u8, 0);
            handle.Reserve(16);
            handle.FlushToDisk();
            handle.SetLength(3);
            handle.Reserve(8);
        }

        disk.SyncDirectory("/d");
        Assert.Equal("abc\0\0\0\0\0", Read(disk, "/d/seg"));

        disk.Crash(tearLastWrite: false);

        Assert.Equal("abcdef" + new string('\0', 10), Read(disk, "/d/seg"));
    }

    [Fact]
    public void AFailedFsyncMakesNothingDurableAndACrashCancelsOneNotYetDue()
    {
        var disk = new SimFileSystem(new SimRandom(1));
        Append(disk, "/d/wal", "durable|", sync: true);
        disk.SyncDirectory("/d");
        disk.FailNextSync();

        Assert.Throws<SimDiskFaultException>(() => Append(disk, "/d/wal", "lost", sync: true));
        disk.Crash(tearLastWrite: false);
        Assert.Equal("durable|", Read(disk, "/d/wal"));

        disk.FailNextSync();
        disk.Crash(tearLastWrite: false);
        Append(disk, "/d/wal", "after", sync: true);
        disk.Crash(tearLastWrite: false);
        Assert.Equal("durable|after", Read(disk, "/d/wal"));
    }

    [Fact]
    public void AFullDiskRefusesWritesThatGrowAFileButNotThoseInsideIt()
    {
        var disk = new SimFileSystem(new SimRandom(1));
        using IFileHandle file = disk.OpenFile("/d/seg", FileOpenMode.CreateNew);
        file.Reserve(8);
        disk.Full = true;

        file.Write("inside"u8, 0);
        Assert.Throws<SimDiskFaultException>(() => file.Write("past the end"u8, 6));
        file.Reserve(64);
        Assert.Equal(8, file.Length);

        disk.Full = false;
        file.Write("past the end"u8, 6);
        Assert.Equal(18, file.Length);
    }

    [Fact]
    public void AFlippedBitChangesOneBitOfAStoredFileAndMarksTheDiskDamaged()
    {
        var disk = new SimFileSystem(new SimRandom(5));
        string original = new('a', 300);
        Append(disk, "/d/wal", original, sync: true);
        disk.SyncDirectory("/d");
        disk.Crash(tearLastWrite: false);
        Assert.False(disk.Damaged);

        string where = disk.FlipStoredBit(new SimRandom(9));

        byte[] damaged = ReadBytes(disk, "/d/wal");
        int[] changed = [.. Enumerable.Range(0, original.Length).Where(i => damaged[i] != (byte)'a')];
        Assert.Single(changed);
        Assert.Equal(1, System.Numerics.BitOperations.PopCount((uint)(damaged[changed[0]] ^ (byte)'a')));
        Assert.Contains($"byte {changed[0]} of '/d/wal'", where, StringComparison.Ordinal);
        Assert.True(disk.Damaged);
        disk.Crash(tearLastWrite: false);
        Assert.Equal(damaged, ReadBytes(disk, "/d/wal")); // the damage is durable
    }

    [Fact]
    public void FileAndDirectoryFsyncsAreCountedApart()
    {
        var disk = new SimFileSystem(new SimRandom(1));
        Append(disk, "/d/a", "x", sync: true);
        Append(disk, "/d/a", "y", sync: true);
        disk.SyncDirectory("/d");

        Assert.Equal(2, disk.Syncs);
        Assert.Equal(1, disk.DirectorySyncs);
    }

    private static void Append(SimFileSystem disk, string path, string text, bool sync)
    {
        using IFileHandle file = disk.OpenFile(path, disk.FileExists(path) ? FileOpenMode.OpenReadWrite : FileOpenMode.CreateNew);
        file.Write(Encoding.UTF8.GetBytes(text), file.Length);
        if (sync)
        {
            file.FlushToDisk();
        }
    }

    private static byte[] ReadBytes(SimFileSystem disk, string path)
    {
        using IFileHandle file = disk.OpenFile(path, FileOpenMode.OpenRead);
        byte[] content = new byte[file.Length];
        file.Read(content, 0);
        return content;
    }

    private static string Read(SimFileSystem disk, string path) => disk.FileExists(path) ? Encoding.UTF8.GetString(ReadBytes(disk, path)) : "";
}
