namespace Paxos.Bench;

/// <summary>What one benchmark run measured, or why it could not.</summary>
/// <param name="Workload">The workload's name (<c>put</c>, <c>get</c>, <c>mixed</c>, <c>cas</c>, <c>txn</c>, <c>keepalive</c>).</param>
/// <param name="Target">The cluster's kind (<c>paxos</c>, <c>etcd</c>).</param>
/// <param name="Clients">Requests in flight at once.</param>
/// <param name="Consistency">How reads were served (<c>linearizable</c>, <c>serializable</c>).</param>
/// <param name="ReadRatio">The share of reads: 1 for get, 0 for put and cas.</param>
/// <param name="DurationSeconds">The measured time.</param>
/// <param name="Ops">Requests that succeeded in the measured time.</param>
/// <param name="Errors">Requests that failed in the measured time.</param>
/// <param name="CasFailed">Compare-and-swaps or transactions (counted in <paramref name="Ops"/>) whose comparison failed (JSON: <c>cas_failed</c>).</param>
/// <param name="Latency">Latency percentiles of the successful requests.</param>
/// <param name="LoadAverage">The machine's 1-minute load average at the end of the run (0 if unknown).</param>
/// <param name="Command">The command line that repeats the run.</param>
/// <param name="Failure">Why the run measured nothing; null if it ran.</param>
/// <param name="ValueSize">Bytes per written value.</param>
/// <param name="Balance">How requests were spread over the endpoints (<c>request</c>, <c>client</c>, <c>leader</c>).</param>
/// <param name="ProbeMs">The machine's speed in the measured window: the median CPU milliseconds of <see cref="MachineSpeedProbe"/>'s fixed loop, lower is faster (JSON: <c>probe_ms</c>; 0 if not recorded).</param>
/// <param name="FirstError">The first of the <paramref name="Errors"/>, as the client saw it (JSON: <c>first_error</c>); null if none.</param>
public sealed record BenchResult(
    string Workload,
    string Target,
    int Clients,
    string Consistency,
    double ReadRatio,
    double DurationSeconds,
    long Ops,
    long Errors,
    long CasFailed,
    LatencySummary Latency,
    double LoadAverage,
    string Command,
    string? Failure,
    int ValueSize,
    string Balance,
    double ProbeMs = 0,
    string? FirstError = null)
{
    /// <summary>Successful requests per second of measured time.</summary>
    public double OpsPerSecond => DurationSeconds > 0 ? Math.Round(Ops / DurationSeconds, 1) : 0;

    /// <summary>Bytes of written values per second of measured time, in MiB (0 for reads only and for keep-alives).</summary>
    public double WrittenMiBPerSecond => Workload == "keepalive" ? 0 : Math.Round(OpsPerSecond * (1 - ReadRatio) * ValueSize / (1024.0 * 1024.0), 2);

    /// <summary>The workload as the report names it, with what tells its variants apart (consistency, read ratio, value size, balance).</summary>
    public string Label => FormattableString.Invariant($"{Workload switch
    {
        "get" => $"get ({Consistency})",
        "mixed" => $"mixed ({ReadRatio:0.##} reads, {Consistency})",
        _ => Workload,
    }}{(ValueSize == DefaultValueSize ? "" : $", {ValueSize:#,0}-byte values")}, {Balance} balance");

    /// <summary>The value size of <c>paxos bench</c> and of every run before results recorded theirs.</summary>
    public const int DefaultValueSize = 100;

    /// <summary>The result of a run of <paramref name="settings"/> that could not measure anything.</summary>
    public static BenchResult Failed(BenchSettings settings, string reason)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Of(settings, 0, 0, 0, 0, LatencySummary.None, reason);
    }

    /// <summary>The result of a run of <paramref name="settings"/>.</summary>
    public static BenchResult Of(BenchSettings settings, double durationSeconds, long ops, long errors, long casFailed, LatencySummary latency, string? failure = null, double probeMs = 0,
        string? firstError = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        double readRatio = settings.Workload switch
        {
            Bench.Workload.Get => 1,
            Bench.Workload.Mixed => settings.ReadRatio,
            _ => 0,
        };
        return new BenchResult(
            BenchSettings.Name(settings.Workload), BenchSettings.Name(settings.Target), settings.Clients,
            BenchSettings.Name(settings.Consistency), readRatio, Math.Round(durationSeconds, 3),
            ops, errors, casFailed, latency, SystemLoad.OneMinute(), settings.ToCommandLine(), failure,
            settings.ValueSize, BenchSettings.Name(settings.Balance), probeMs, firstError);
    }
}
