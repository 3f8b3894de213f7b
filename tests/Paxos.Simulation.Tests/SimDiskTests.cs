using System.Text;
using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Tests;

public class SimDiskTests
{
    [Fact]
    public void CrashLosesUnsyncedWritesAndKeepsSyncedOnes()
    {
        var disk = new SimDisk(new SimRandom(1));
        disk.Append("wal", "synced|"u8);
        disk.Sync("wal");
        disk.Append("wal", "unsynced"u8);
        disk.Append("other", "never synced"u8);

        Assert.Equal("synced|unsynced", Text(disk.Read("wal")));

        DiskCrashOutcome outcome = disk.Crash(tearLastWrite: false);

        Assert.Equal("synced|", Text(disk.Read("wal")));
        Assert.Empty(disk.Read("other"));
        Assert.Equal(2, outcome.LostWrites);
        Assert.Equal(20, outcome.LostBytes);
        Assert.Null(outcome.TornFile);
        Assert.Equal(2, disk.LostWrites);
    }

    [Fact]
    public void SyncOfOneFileLeavesOthersVolatileAndSyncAllCoversEverything()
    {
        var disk = new SimDisk(new SimRandom(1));
        disk.Append("a", "a"u8);
        disk.Append("b", "b"u8);
        disk.Sync("a");
        disk.Crash(tearLastWrite: false);

        Assert.Equal("a", Text(disk.Read("a")));
        Assert.Empty(disk.Read("b"));

        disk.Append("b", "b"u8);
        disk.SyncAll();
        disk.Crash(tearLastWrite: false);

        Assert.Equal("b", Text(disk.Read("b")));
    }

    [Fact]
    public void TornCrashKeepsAStrictPrefixOfTheLastWriteOnly()
    {
        for (ulong seed = 1; seed <= 50; seed++)
        {
            var disk = new SimDisk(new SimRandom(seed));
            disk.Append("wal", "durable|"u8);
            disk.Sync("wal");
            disk.Append("other", "lost"u8);
            disk.Append("wal", "first|"u8);
            disk.Append("wal", "0123456789"u8);

            DiskCrashOutcome outcome = disk.Crash(tearLastWrite: true);
            string content = Text(disk.Read("wal"));

            Assert.Equal("wal", outcome.TornFile);
            Assert.StartsWith("durable|first|", content, StringComparison.Ordinal);
            Assert.StartsWith(content, "durable|first|0123456789", StringComparison.Ordinal);
            Assert.True(content.Length < "durable|first|0123456789".Length);
            Assert.Equal(content.Length - "durable|first|".Length, outcome.TornBytesKept);
            Assert.Empty(disk.Read("other"));
        }
    }

    [Fact]
    public void TruncateAndDeleteAreDurable()
    {
        var disk = new SimDisk(new SimRandom(1));
        disk.Append("wal", "0123456789"u8);
        disk.Append("tmp", "x"u8);
        disk.Truncate("wal", 4);
        disk.Delete("tmp");
        disk.Crash(tearLastWrite: true);

        Assert.Equal("0123", Text(disk.Read("wal")));
        Assert.Equal(4, disk.Length("wal"));
        Assert.False(disk.Exists("tmp"));
        Assert.Equal(["wal"], disk.Files);
    }

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
