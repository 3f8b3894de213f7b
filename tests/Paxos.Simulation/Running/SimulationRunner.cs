using System.Diagnostics;
using System.Globalization;
using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Running;

/// <summary>
/// Runs a range of seeds through a per-seed simulation, shows progress, and prints a summary, or,
/// at the first failing seed, the failure, its trace and the command that replays it.
/// </summary>
/// <param name="output">Where results and the summary go.</param>
/// <param name="progress">Where the progress line goes.</param>
/// <param name="interactive">True to redraw one progress line in place; false to print a line now and then.</param>
public sealed class SimulationRunner(TextWriter output, TextWriter progress, bool interactive)
{
    /// <summary>Exit code when every seed passed.</summary>
    public const int ExitPassed = 0;

    /// <summary>Exit code when a seed failed.</summary>
    public const int ExitFailed = 1;

    /// <summary>Runs the seeds of <paramref name="options"/> through <paramref name="simulate"/>; returns the exit code.</summary>
    public int Run(CommandLineOptions options, Func<SimulationRunOptions, SimulationResult> simulate)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(simulate);
        var wall = Stopwatch.StartNew();
        long operations = 0;
        long faults = 0;
        var events = new SortedDictionary<string, long>(StringComparer.Ordinal);
        TimeSpan virtualTime = TimeSpan.Zero;
        WorkloadCoverage coverage = WorkloadCoverage.None;
        long reportEvery = Math.Max(1, options.SeedCount / 10);
        for (long i = 0; i < options.SeedCount; i++)
        {
            ulong seed = options.StartSeed + (ulong)i;
            SimulationResult result = simulate(new SimulationRunOptions(seed, options.NodeCount, options.Bug, options.LeaderTransfers, options.PreVote, options.MembershipChanges));
            operations += result.Operations;
            faults += result.FaultsInjected;
            virtualTime += result.VirtualTime;
            foreach ((string name, long count) in result.Events)
            {
                events[name] = events.GetValueOrDefault(name) + count;
            }

            coverage += result.Coverage ?? WorkloadCoverage.None;
            if (!result.Passed)
            {
                EndProgress();
                PrintFailure(options, seed, result);
                PrintSummary(options, i + 1, i, operations, faults, events, virtualTime, wall.Elapsed, coverage);
                return ExitFailed;
            }

            if (interactive)
            {
                progress.Write(string.Create(CultureInfo.InvariantCulture, $"\r  seed {seed} passed ({i + 1}/{options.SeedCount}), {operations} ops, {faults} faults, {wall.Elapsed.TotalSeconds:0.0}s   "));
            }
            else if ((i + 1) % reportEvery == 0 || i + 1 == options.SeedCount)
            {
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {i + 1}/{options.SeedCount} seeds passed, {operations} ops, {faults} faults, {wall.Elapsed.TotalSeconds:0.0}s"));
            }
        }

        EndProgress();
        PrintSummary(options, options.SeedCount, options.SeedCount, operations, faults, events, virtualTime, wall.Elapsed, coverage);
        return ExitPassed;
    }

    private void EndProgress()
    {
        if (interactive)
        {
            progress.WriteLine();
        }
    }

    private void PrintFailure(CommandLineOptions options, ulong seed, SimulationResult result)
    {
        output.WriteLine($"FAILED: seed {seed}");
        output.WriteLine(result.Failure);
        output.WriteLine();
        output.WriteLine($"Last {result.Trace.Count} events before the failure:");
        foreach (string line in result.Trace)
        {
            output.Write("  ");
            output.WriteLine(line);
        }

        string plant = options.Bug == PlantedBug.None ? "" : $" --plant {PlantedBugs.NameOf(options.Bug)}";
        output.WriteLine();
        output.WriteLine($"Replay: dotnet run -c Release --project tests/Paxos.Simulation -- --seed {seed} --nodes {options.NodeCount}{plant}{(options.LeaderTransfers ? " --transfers on" : "")}{(options.PreVote ? "" : " --pre-vote off")}{(options.MembershipChanges ? " --membership on" : "")}");
    }

    private void PrintSummary(CommandLineOptions options, long run, long passed, long operations, long faults, SortedDictionary<string, long> events, TimeSpan virtualTime, TimeSpan wallTime, WorkloadCoverage coverage)
    {
        output.WriteLine();
        output.WriteLine($"Summary: {run} seeds run (from {options.StartSeed}), {passed} passed, {run - passed} failed; {options.NodeCount} nodes; planted bug: {PlantedBugs.NameOf(options.Bug)}");
        output.WriteLine($"  simulated operations: {operations}");
        output.WriteLine($"  faults injected:      {faults}");
        if (events.Count > 0)
        {
            output.WriteLine($"  rarer events:         {string.Join(", ", events.Select(e => $"{e.Key} {e.Value}"))}");
        }

        output.WriteLine($"  coordination API:     {coverage}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  virtual time:         {virtualTime.TotalSeconds:0.0} s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  wall time:            {wallTime.TotalSeconds:0.0} s"));
        double seconds = Math.Max(wallTime.TotalSeconds, 0.001);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  throughput:           {operations / seconds:0} simulated ops/s, {virtualTime.TotalSeconds / seconds:0.0}x real time"));
    }
}
