using System.Diagnostics;

namespace Paxos.Bench.Tests;

public class MachineSpeedProbeTests
{
    [Fact]
    public void A_sample_is_the_cpu_time_of_its_own_thread_not_of_the_process()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Equal(0, MachineSpeedProbe.Sample()); // the probe reads the thread CPU clock of Linux
            return;
        }

        // Another thread burns CPU meanwhile: the process's CPU time grows faster than the wall clock, one thread's cannot.
        using var stop = new CancellationTokenSource();
        var busy = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Thread.SpinWait(1000);
            }
        });
        busy.Start();
        try
        {
            var wall = Stopwatch.StartNew();
            double sample = MachineSpeedProbe.Sample();
            wall.Stop();

            Assert.True(sample > 0, $"sample {sample} ms");
            Assert.True(sample <= wall.Elapsed.TotalMilliseconds + 1, $"sample {sample} ms against {wall.Elapsed.TotalMilliseconds} ms of wall time");
        }
        finally
        {
            stop.Cancel();
            busy.Join();
        }
    }

    [Fact]
    public void The_median_counts_only_the_samples_taken_in_the_window()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the probe samples nothing elsewhere: the test above covers that
        }

        long before = Stopwatch.GetTimestamp();
        using var probe = new MachineSpeedProbe();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (probe.MedianMs(before, Stopwatch.GetTimestamp()) == 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(100);
        }

        Assert.True(probe.MedianMs(before, Stopwatch.GetTimestamp()) > 0, "no sample within 30 s");
        Assert.Equal(0, probe.MedianMs(0, before));
    }
}
