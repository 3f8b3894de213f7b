using Paxos.Simulation.Infrastructure;
using System.Buffers.Binary;
using Paxos.Core;
using Paxos.Storage.Wal;

namespace Paxos.Storage.Tests;

public sealed class WalGroupCommitTests
{
    private const string Dir = "/sim/wal";

    [Fact]
    public void FailedFsyncFailsTheSyncAndFaultsTheLog()
    {
        var fs = new SimFileSystem(new SimRandom(1));
        using WriteAheadLog log = WalTestLog.Open(Dir, out _, new WalOptions { FileSystem = fs });
        log.Append(1, [1]);
        fs.BeforeSync = () => throw new IOException("disk on fire");

        var error = Assert.Throws<IOException>(log.Sync);
        Assert.Equal("disk on fire", error.Message);
        fs.BeforeSync = null;
        Assert.Same(error, Assert.Throws<IOException>(() => log.Append(1, [2])).InnerException);
        Assert.Throws<IOException>(log.Flush);
        Assert.Throws<IOException>(log.Sync);
        Assert.Equal(0, log.DurableSequence);
    }

    [Fact]
    public async Task ACallThatOverlapsAnotherBreaksTheSingleWriterRuleAndThrows()
    {
        var fs = new SimFileSystem(new SimRandom(1));
        using WriteAheadLog log = WalTestLog.Open(Dir, out _, new WalOptions { FileSystem = fs });
        using var syncEntered = new ManualResetEventSlim();
        using var releaseSync = new ManualResetEventSlim();
        fs.BeforeSync = () =>
        {
            syncEntered.Set();
            releaseSync.Wait();
        };
        log.Append(1, [1]);
        var writer = Task.Run(log.Sync);
        try
        {
            Assert.True(syncEntered.Wait(TimeSpan.FromSeconds(10)));
            Assert.Throws<InvariantViolationException>(() => log.Append(1, [2]));
            Assert.Throws<InvariantViolationException>(log.Sync);
        }
        finally
        {
            fs.BeforeSync = null;
            releaseSync.Set();
        }
        await writer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, log.DurableSequence);
        Assert.Equal(2, log.Append(1, [2]));
    }

    [Fact]
    public void SyncIssuesOneFsyncForAllAppendedRecordsAndNoneWhenNothingIsNew()
    {
        var fs = new SimFileSystem(new SimRandom(1));
        using WriteAheadLog log = WalTestLog.Open(Dir, out _, new WalOptions { FileSystem = fs });
        long before = fs.Syncs;
        for (int i = 0; i < 50; i++)
        {
            log.Append(1, CallerPayload(i));
        }
        Assert.Equal(before, fs.Syncs);
        log.Sync();
        Assert.Equal(before + 1, fs.Syncs);
        log.Sync();
        Assert.Equal(before + 1, fs.Syncs);
        Assert.Equal(50, log.DurableSequence);
    }

    [Fact]
    public void CrashLosesExactlyTheRecordsNotYetSynced()
    {
        var fs = new SimFileSystem(new SimRandom(1));
        SimFileSystem crashed;
        using (WriteAheadLog log = WalTestLog.Open(Dir, out _, new WalOptions { FileSystem = fs, SegmentSize = 512 }))
        {
            for (long i = 1; i <= 40; i++)
            {
                log.Append((byte)(i % 7), WalTestLog.Payload(i, 60));
            }
            log.Sync();
            for (long i = 41; i <= 45; i++)
            {
                log.Append((byte)(i % 7), WalTestLog.Payload(i, 60));
            }
            crashed = fs.CrashCopy();
        }

        var options = new WalOptions { FileSystem = crashed, SegmentSize = 512 };
        var records = WalTestLog.ReadAll(Dir, options);
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), records.Select(r => r.Sequence));
        Assert.True(crashed.ListFiles(Dir).Count > 3, "segments created by rolls must survive the crash");
    }

    [Fact]
    public void FlushedRecordsSurviveAProcessCrashWithoutAnFsyncButNotAPowerLoss()
    {
        var fs = new SimFileSystem(new SimRandom(1));
        SimFileSystem processCrashed;
        SimFileSystem powerLost;
        using (WriteAheadLog log = WalTestLog.Open(Dir, out _, new WalOptions { FileSystem = fs }))
        {
            for (long i = 1; i <= 10; i++)
            {
                log.Append(1, WalTestLog.Payload(i, 40));
            }
            log.Sync();
            long syncs = fs.Syncs;
            for (long i = 11; i <= 15; i++)
            {
                log.Append(1, WalTestLog.Payload(i, 40));
            }
            log.Flush();
            Assert.Equal(syncs, fs.Syncs);
            Assert.Equal(10, log.DurableSequence);
            processCrashed = fs.ProcessCrashCopy();
            powerLost = fs.CrashCopy();
        }

        Assert.Equal(15, WalTestLog.ReadAll(Dir, new WalOptions { FileSystem = processCrashed }).Count);
        Assert.Equal(10, WalTestLog.ReadAll(Dir, new WalOptions { FileSystem = powerLost }).Count);
    }

    private static byte[] CallerPayload(int caller)
    {
        var payload = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(payload, caller);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(4), ~caller);
        return payload;
    }
}
