using BenchmarkDotNet.Running;

namespace Paxos.MicroBenchmarks;

/// <summary>Runs the benchmarks chosen on the command line (BenchmarkDotNet's switcher: <c>--filter</c>, <c>--job</c>, ...).</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
