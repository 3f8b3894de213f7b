using System.Buffers.Binary;

namespace Paxos.KeyValue.Tests;

public class ConcurrentReadTests
{
    [Fact]
    public async Task Reads_on_other_threads_see_consistent_values_during_applies_and_restores()
    {
        var machine = new KeyValueStateMachine();
        using var done = new CancellationTokenSource();
        int inconsistent = 0;
        long reads = 0;
        var readerRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var reader = Task.Run(() =>
        {
            readerRunning.SetResult();
            while (!done.IsCancellationRequested)
            {
                if (machine.TryGet("k", out ReadOnlyMemory<byte> value, out ulong index))
                {
                    // Every value holds the index it was written at.
                    if (BinaryPrimitives.ReadUInt64LittleEndian(value.Span) != index)
                    {
                        Interlocked.Increment(ref inconsistent);
                    }
                }
                Interlocked.Increment(ref reads);
            }
        });

        await readerRunning.Task;
        byte[] value = new byte[8];
        for (ulong index = 1; index <= 20_000; index++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(value, index);
            machine.Run(index, new PutCommand("k", (byte[])value.Clone()));
            if (index == 10_000)
            {
                machine.Restore(machine.Snapshot());
            }
        }
        await done.CancelAsync();
        await reader;

        Assert.Equal(0, inconsistent);
        Assert.True(Interlocked.Read(ref reads) > 0);
        Assert.Equal(20_000UL, machine.LastAppliedIndex);
    }
}
