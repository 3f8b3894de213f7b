using System.Buffers.Binary;
using System.Collections.Concurrent;
using Paxos.Storage.Wal;
using Xunit.Abstractions;

namespace Paxos.Storage.Tests;

public sealed class WalGroupCommitTests(ITestOutputHelper output)
{
    private const string Dir = "/sim/wal";

    [Fact]
    public async Task ThousandConcurrentAppendsShareFewFsyncsAndCompleteOnlyOnceDurable()
    {
        var fs = new SimulatedFileSystem();
        var options = new WalOptions { FileSystem = fs };
        const int callers = 1000;
        var notDurableAtCompletion = new ConcurrentBag<long>();
        long[] sequences;
        int syncs;
        await using (WriteAheadLog log = WalTestLog.Open(Dir, out _, options))
        {
            int syncsBefore = fs.FileSyncCount;
            fs.BeforeFileSync = () => Thread.Sleep(10); // a slow disk: callers pile up behind an fsync, and an early ack would be seen
            var start = new TaskCompletionSource();
            Task<long>[] tasks = [.. Enumerable.Range(0, callers).Select(i => Task.Run(async () =>
            {
                await start.Task;
                long sequence = await log.AppendAsync(1, CallerPayload(i));
                if (DurableLastSequence(fs) < sequence)
                {
                    notDurableAtCompletion.Add(sequence);
                }
                return sequence;
            }))];
            start.SetResult();
            sequences = await Task.WhenAll(tasks);
            syncs = fs.FileSyncCount - syncsBefore;
        }

        output.WriteLine($"{callers} concurrent appends were made durable by {syncs} fsyncs");
        Assert.Empty(notDurableAtCompletion);
        Assert.InRange(syncs, 1, callers / 10);
        Assert.Equal(Enumerable.Range(1, callers).Select(i => (long)i), sequences.Order());
        List<RecoveredRecord> records = WalTestLog.ReadAll(Dir, new WalOptions { FileSystem = fs });
        Assert.Equal(callers, records.Count);
        for (int caller = 0; caller < callers; caller++)
        {
            RecoveredRecord record = records[(int)sequences[caller] - 1];
            Assert.Equal(sequences[caller], record.Sequence);
            Assert.Equal(CallerPayload(caller), record.Payload);
        }
    }

    [Fact]
    public async Task FullQueueMakesCallersWaitAndTheirWaitCanBeCancelled()
    {
        var fs = new SimulatedFileSystem();
        await using WriteAheadLog log = WalTestLog.Open(Dir, out _, new WalOptions { FileSystem = fs, QueueCapacity = 2 });
        using var syncEntered = new ManualResetEventSlim();
        using var releaseSync = new ManualResetEventSlim();
        fs.BeforeFileSync = () =>
        {
            syncEntered.Set();
            releaseSync.Wait();
        };

        ValueTask<long> first = log.AppendAsync(1, new byte[] { 1 });
        try
        {
            Assert.True(syncEntered.Wait(TimeSpan.FromSeconds(10)));
            ValueTask<long> second = log.AppendAsync(1, new byte[] { 2 });
            ValueTask<long> third = log.AppendAsync(1, new byte[] { 3 });
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
            ValueTask<long> blocked = log.AppendAsync(1, new byte[] { 4 }, cts.Token);

            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await blocked);
            Assert.False(first.IsCompleted, "an append completed while its fsync was still running");
            releaseSync.Set();
            Assert.Equal(2, await second);
            Assert.Equal(3, await third);
        }
        finally
        {
            fs.BeforeFileSync = null;
            releaseSync.Set();
        }
        Assert.Equal(1, await first);
    }

    [Fact]
    public async Task FailedFsyncFailsTheWaitingCallersAndFaultsTheLog()
    {
        var fs = new SimulatedFileSystem();
        await using WriteAheadLog log = WalTestLog.Open(Dir, out _, new WalOptions { FileSystem = fs });
        fs.BeforeFileSync = () => throw new IOException("disk on fire");

        var error = await Assert.ThrowsAsync<IOException>(async () => await log.AppendAsync(1, new byte[] { 1 }));
        Assert.Equal("disk on fire", error.Message);
        Assert.Throws<IOException>(() => log.Append(1, [2]));
        await Assert.ThrowsAsync<IOException>(async () => await log.AppendAsync(1, new byte[] { 3 }));
    }

    [Fact]
    public void SyncIssuesOneFsyncForAllAppendedRecordsAndNoneWhenNothingIsNew()
    {
        var fs = new SimulatedFileSystem();
        using WriteAheadLog log = WalTestLog.Open(Dir, out _, new WalOptions { FileSystem = fs });
        int before = fs.FileSyncCount;
        for (int i = 0; i < 50; i++)
        {
            log.Append(1, CallerPayload(i));
        }
        Assert.Equal(before, fs.FileSyncCount);
        log.Sync();
        Assert.Equal(before + 1, fs.FileSyncCount);
        log.Sync();
        Assert.Equal(before + 1, fs.FileSyncCount);
        Assert.Equal(50, log.DurableSequence);
    }

    [Fact]
    public void CrashLosesExactlyTheRecordsNotYetSynced()
    {
        var fs = new SimulatedFileSystem();
        SimulatedFileSystem crashed;
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
        var fs = new SimulatedFileSystem();
        SimulatedFileSystem processCrashed;
        SimulatedFileSystem powerLost;
        using (WriteAheadLog log = WalTestLog.Open(Dir, out _, new WalOptions { FileSystem = fs }))
        {
            for (long i = 1; i <= 10; i++)
            {
                log.Append(1, WalTestLog.Payload(i, 40));
            }
            log.Sync();
            int syncs = fs.FileSyncCount;
            for (long i = 11; i <= 15; i++)
            {
                log.Append(1, WalTestLog.Payload(i, 40));
            }
            log.Flush();
            Assert.Equal(syncs, fs.FileSyncCount);
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

    /// <summary>The last sequence number that would survive a crash right now.</summary>
    private static long DurableLastSequence(SimulatedFileSystem fs)
    {
        using WriteAheadLog recovered = WriteAheadLog.Open(Dir, _ => { }, new WalOptions { FileSystem = fs.CrashCopy() });
        return recovered.NextSequence - 1;
    }
}
