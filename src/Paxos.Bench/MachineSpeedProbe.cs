using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Paxos.Bench;

/// <summary>
/// How fast the machine ran while a benchmark ran. A thread of its own runs a fixed loop of
/// integer work every half second and reads the CPU time that took (the thread's own, not the wall
/// clock, so waiting for a core does not count). On a shared virtual machine the same work takes
/// from 1x to almost 2x the CPU time from one second to the next (a neighbour on the host, a
/// sibling hyperthread, the clock), and every figure measured meanwhile moves with it; the median
/// of the samples taken in the measured window says which kind of machine a figure was taken on.
/// Linux only (elsewhere it records nothing). It costs the client about 3% of one core (17 ms of
/// every 500 on the machine of <c>docs/performance.md</c>), the same for both clusters.
/// </summary>
internal sealed partial class MachineSpeedProbe : IDisposable
{
    /// <summary>Iterations of the loop per sample: 16 to 21 ms of CPU on the machine of <c>docs/performance.md</c> (Release).</summary>
    private const int LoopIterations = 10_000_000;

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private const int ThreadCpuClock = 3; // CLOCK_THREAD_CPUTIME_ID

    private readonly List<(long At, double CpuMs)> _samples = [];
    private readonly Lock _lock = new();
    private readonly ManualResetEventSlim _stop = new();
    private readonly Thread? _thread;

    /// <summary>Starts sampling at once (on Linux).</summary>
    public MachineSpeedProbe()
    {
        if (OperatingSystem.IsLinux())
        {
            _thread = new Thread(Run) { IsBackground = true, Name = "machine speed probe" };
            _thread.Start();
        }
    }

    /// <summary>
    /// The median CPU milliseconds of the samples taken between the two <see cref="Stopwatch"/>
    /// timestamps, 0 if there were none; lower is faster.
    /// </summary>
    public double MedianMs(long from, long until)
    {
        List<double> taken;
        lock (_lock)
        {
            taken = [.. _samples.Where(s => s.At >= from && s.At <= until).Select(s => s.CpuMs).Order()];
        }
        return taken.Count == 0 ? 0 : Math.Round(taken[(taken.Count - 1) / 2], 2);
    }

    /// <summary>The CPU milliseconds one run of the loop takes on this thread (0 where the thread's CPU clock cannot be read).</summary>
    internal static double Sample()
    {
        if (!OperatingSystem.IsLinux() || !TryThreadCpuNanoseconds(out long before))
        {
            return 0;
        }
        Sink = Loop(LoopIterations, Sink);
        return TryThreadCpuNanoseconds(out long after) ? (after - before) / 1e6 : 0;
    }

    /// <summary>Stops sampling.</summary>
    public void Dispose()
    {
        _stop.Set();
        _thread?.Join();
        _stop.Dispose();
    }

    private void Run()
    {
        while (!_stop.Wait(Interval))
        {
            double ms = Sample();
            if (ms > 0)
            {
                lock (_lock)
                {
                    _samples.Add((Stopwatch.GetTimestamp(), ms));
                }
            }
        }
    }

    /// <summary>Where the loop's result goes, so the JIT cannot drop the loop.</summary>
    private static ulong Sink;

    /// <summary>xorshift64: a chain of dependent integer steps that stays in registers, so only the core's speed counts.</summary>
    private static ulong Loop(int iterations, ulong seed)
    {
        ulong x = seed | 1;
        for (int i = 0; i < iterations; i++)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
        return x;
    }

    private static bool TryThreadCpuNanoseconds(out long nanoseconds)
    {
        nanoseconds = 0;
        try
        {
            if (ClockGetTime(ThreadCpuClock, out var time) != 0)
            {
                return false;
            }
            nanoseconds = (time.Seconds * 1_000_000_000) + time.Nanoseconds;
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int ClockGetTime(int clock, out TimeSpec time);
}
