using System.Globalization;
using CsCheck;
using Xunit.Abstractions;

namespace Paxos.Fuzz.Tests;

/// <summary>
/// Runs a fuzz target: on every input it must return or throw one of its documented exception
/// types, within <see cref="MaxTimePerInput"/> (a hang fails the run instead of stalling it), and
/// allocate at most <see cref="MaxAllocatedBytes"/> plus 64 bytes per input byte (a length field
/// that claims gigabytes must be refused, not allocated). Each run's inputs and time are printed.
/// Short by default; <c>PAXOS_FUZZ_SECONDS=N</c> runs every property for N seconds,
/// <c>PAXOS_FUZZ_ITERATIONS=N</c> for N inputs; <c>PAXOS_FUZZ_SEED</c> replays CsCheck's seed of a failure.
/// </summary>
internal static class Fuzz
{
    public static readonly TimeSpan MaxTimePerInput = TimeSpan.FromSeconds(10);

    public const long MaxAllocatedBytes = 64L * 1024 * 1024;

    public static void Check<T>(ITestOutputHelper output, Gen<T> inputs, Func<T, int> length, Action<T> target, long iterations, params Type[] documented)
    {
        int seconds = Setting("PAXOS_FUZZ_SECONDS") is { } s ? checked((int)s) : -1;
        long iter = seconds > 0 ? -1 : Setting("PAXOS_FUZZ_ITERATIONS") ?? iterations;
        inputs.Sample(
            input => Run(input, length(input), target, documented),
            writeLine: output.WriteLine,
            seed: Environment.GetEnvironmentVariable("PAXOS_FUZZ_SEED"),
            iter: iter,
            time: seconds,
            threads: 1);
    }

    private static void Run<T>(T input, int length, Action<T> target, Type[] documented)
    {
        long allocated = 0;
        var run = Task.Run(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                target(input);
            }
            finally
            {
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }
        });
        try
        {
            if (!run.Wait(MaxTimePerInput))
            {
                throw new TimeoutException($"the target ran longer than {MaxTimePerInput} on one input");
            }
        }
        catch (AggregateException e) when (e.InnerException is { } thrown && documented.Any(type => type.IsInstanceOfType(thrown)))
        {
            // A documented refusal of bad input.
        }
        catch (AggregateException e) when (e.InnerException is { } thrown)
        {
            throw new UndocumentedException(thrown);
        }
        long limit = MaxAllocatedBytes + (64L * length);
        if (allocated > limit)
        {
            throw new InvalidOperationException($"the target allocated {allocated} bytes on an input of {length} bytes; the limit is {limit}");
        }
    }

    private static long? Setting(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text ? long.Parse(text, CultureInfo.InvariantCulture) : null;
}

/// <summary>A fuzz target threw an exception its documentation does not allow: a crash found.</summary>
internal sealed class UndocumentedException(Exception thrown)
    : Exception($"undocumented {thrown.GetType().Name}: {thrown.Message}", thrown);
