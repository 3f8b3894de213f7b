using System.Diagnostics;
using System.Globalization;

namespace Paxos.Bench;

/// <summary>Prints, once a second until cancelled, how a run is going: its phase, the rate over the last second, totals.</summary>
internal static class ProgressLine
{
    public static async Task RunAsync(LiveCounters counters, TimeSpan warmup, TimeSpan total, TextWriter output, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        long lastCompleted = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var elapsed = Stopwatch.GetElapsedTime(start);
                long completed = counters.Completed;
                // The phase of the second that just ended, judged by its middle.
                string phase = elapsed - TimeSpan.FromSeconds(0.5) < warmup ? "warm-up  " : "measuring";
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[{elapsed.TotalSeconds,5:0}s/{total.TotalSeconds:0}s] {phase} {completed - lastCompleted,9:#,0} ops/s  {completed,12:#,0} ops  {counters.Failed:#,0} errors"));
                lastCompleted = completed;
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }
}
