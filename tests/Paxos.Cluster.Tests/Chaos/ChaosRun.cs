using System.Diagnostics;
using Grpc.Core;
using Paxos.Checking;
using Paxos.Cluster.Tests.Harness;
using Paxos.Cluster.Tests.MembershipChanges;
using Paxos.Transport.V1;

namespace Paxos.Cluster.Tests.Chaos;

/// <summary>
/// A chaos run against a running cluster: clients issue operations while the nemesis (if any)
/// injects faults for the run's duration; then every node is brought back, the clients finish,
/// every key is read once more (linearizably, retried until a node answers), and the whole
/// history is checked for linearizability (<see cref="LinearizabilityChecker"/>, the one the
/// simulator uses; it knows Txns and lease ends: a lease holder runs beside the clients, and each
/// lease's expiry may take effect from the TTL after its last acknowledged renewal on). Two
/// watches of every key, resumed across the faults, run from the start until they have every
/// acknowledged change, and are checked by <see cref="ChaosWatchCheck"/>. The run also keeps what
/// the test checks besides: which kinds of episode ran,
/// the writes acknowledged while a majority of nodes was down, and the calls that failed in a way
/// the contract does not allow.
/// </summary>
internal sealed class ChaosRun
{
    /// <summary>How long clients may take to resolve their last writes once every node is back.</summary>
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long after a majority went down a write must have been invoked to count as sent while it
    /// was down: the last fault is in effect when the nemesis notes the time (a killed node has been
    /// reaped, a proxy cut forwards nothing it had not read before), but a SIGSTOP reaches a thread
    /// running on another core a moment later.
    /// </summary>
    private static readonly TimeSpan MajorityDownMargin = TimeSpan.FromMilliseconds(50);

    /// <summary>How long the watches may take, once the clients are done, to report every acknowledged change.</summary>
    private static readonly TimeSpan WatchCatchUpTimeout = TimeSpan.FromSeconds(30);

    private ChaosRun(IReadOnlyList<HistoryOperation> history, IReadOnlyDictionary<string, string?> finalValues, IReadOnlyList<ChaosClientStats> clients, Nemesis nemesis, LinearizabilityResult result, TimeSpan checkTime,
        IReadOnlyList<ChaosWatcher> watchers, IReadOnlyList<string> watchProblems)
    {
        Watchers = watchers;
        WatchProblems = watchProblems;
        Members = [.. nemesis.Members];
        History = history;
        FinalValues = finalValues;
        Clients = clients;
        Episodes = nemesis.Episodes;
        EpisodesRun = new Dictionary<EpisodeKind, int>(nemesis.Ran);
        MajorityDown = [.. nemesis.MajorityDown];
        Result = result;
        CheckTime = checkTime;
    }

    public IReadOnlyList<HistoryOperation> History { get; }

    /// <summary>The cluster's members at the end (the founding nodes unless the nemesis replaced some).</summary>
    public IReadOnlyList<int> Members { get; }

    /// <summary>Every key's value at the end (null: absent), as a final linearizable read saw it.</summary>
    public IReadOnlyDictionary<string, string?> FinalValues { get; }

    public IReadOnlyList<ChaosClientStats> Clients { get; }

    public int Episodes { get; }

    /// <summary>How many episodes of each kind ran as intended.</summary>
    public IReadOnlyDictionary<EpisodeKind, int> EpisodesRun { get; }

    /// <summary>The stretches of time, on the history's clock, during which a majority of nodes was killed, paused or cut off.</summary>
    public IReadOnlyList<(TimeSpan From, TimeSpan To)> MajorityDown { get; }

    /// <summary>Calls that failed with a status the contract does not allow (INTERNAL, UNKNOWN, ...), each described.</summary>
    public IReadOnlyList<string> Failures => [.. Clients.SelectMany(c => c.Failures)];

    /// <summary>
    /// Writes acknowledged although their whole call, from invocation to reply, lay inside a stretch
    /// during which a majority of nodes was down: no majority could store them, so none may succeed
    /// (a write is acknowledged only once chosen). The interval of a write sent before the majority
    /// went down, or answered after the healing began, proves nothing and is not counted.
    /// </summary>
    public IReadOnlyList<HistoryOperation> WritesAcknowledgedWithoutMajority =>
    [
        .. History.Where(op => op.Input.Kind != KvOperationKind.Get && op.Completed is { } completed
            && MajorityDown.Any(down => op.Invoked >= down.From + MajorityDownMargin && completed <= down.To)),
    ];

    public LinearizabilityResult Result { get; }

    /// <summary>The run's watches.</summary>
    public IReadOnlyList<ChaosWatcher> Watchers { get; }

    /// <summary>What <see cref="ChaosWatchCheck"/> found wrong with the watches; empty if nothing.</summary>
    public IReadOnlyList<string> WatchProblems { get; }

    public TimeSpan CheckTime { get; }

    public int KnownWrites => Clients.Sum(c => c.Known(KvOperationKind.Put) + c.Known(KvOperationKind.CompareAndSwap) + c.Known(KvOperationKind.Delete));

    /// <summary>Operations of <paramref name="kind"/> answered, over every client.</summary>
    public int Known(KvOperationKind kind) => Clients.Sum(c => c.Known(kind));

    public int KnownReads => Clients.Sum(c => c.Known(KvOperationKind.Get));

    /// <param name="membership">With it (its nodes are <paramref name="cluster"/>), the nemesis replaces members too.</param>
    public static async Task<ChaosRun> ExecuteAsync(LocalCluster cluster, ChaosSettings settings, bool faults, Action<string> log, MembershipCluster? membership = null)
    {
        var random = new Random(settings.Seed);
        string[] keys = [.. Enumerable.Range(0, settings.Keys).Select(k => $"key-{k}")];
        var history = new ChaosHistory();
        var changes = new ChaosChanges();
        var entry = new EntryNode(cluster.Size);
        var clients = Enumerable.Range(0, settings.Clients).Select(c => new ChaosClient(c, cluster, entry, history, changes, keys, random.Next())).ToList();
        var leaseClient = new ChaosLeaseClient(settings.Clients, cluster, history, changes, random.Next());
        var nemesis = new Nemesis(cluster, new Random(random.Next()), () => history.Now, log, membership);
        ChaosWatcher[] watchers = [new(cluster, "key-", 0, random.Next()), new(cluster, "key-", 1 % cluster.Size, random.Next())];

        using var stop = new CancellationTokenSource();
        using var abandon = new CancellationTokenSource();
        using var stopWatching = new CancellationTokenSource();
        var watching = watchers.Select(w => Task.Run(() => w.RunAsync(stopWatching.Token))).ToList();
        var running = clients.Select(c => Task.Run(() => c.RunAsync(stop.Token, abandon.Token))).Append(Task.Run(() => leaseClient.RunAsync(stop.Token, abandon.Token))).ToList();
        var moving = entry.MoveAsync(new Random(random.Next()), log, stop.Token);
        try
        {
            if (faults)
            {
                await nemesis.RunAsync(settings.Duration).ConfigureAwait(false);
            }
            else
            {
                await Task.Delay(settings.Duration).ConfigureAwait(false);
            }
        }
        finally
        {
            await nemesis.HealAsync().ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            abandon.CancelAfter(SettleTimeout);
            await Task.WhenAll(running).ConfigureAwait(false);
            await moving.ConfigureAwait(false);
        }
        log($"{nemesis.Episodes} fault episodes; clients stopped");

        var finalValues = new Dictionary<string, string?>();
        foreach (string key in keys)
        {
            finalValues[key] = await FinalReadAsync(cluster, history, changes, settings.Clients, key).ConfigureAwait(false);
        }

        leaseClient.AddExpiries();
        var operations = history.Operations;
        var watch = Stopwatch.StartNew();
        var result = new LinearizabilityChecker().Check(operations);
        TimeSpan checkTime = watch.Elapsed;

        var acknowledged = changes.All;
        ulong last = acknowledged.Count == 0 ? 0 : acknowledged.Max(change => change.Index);
        var caughtUp = DateTime.UtcNow + WatchCatchUpTimeout;
        while (watchers.Any(w => w.Next <= last) && DateTime.UtcNow < caughtUp)
        {
            await Task.Delay(100).ConfigureAwait(false);
        }
        await stopWatching.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(watching).ConfigureAwait(false);
        var written = operations.SelectMany(op => new[] { op.Input.Value, op.Input.SecondValue }).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var watchProblems = ChaosWatchCheck.Check(watchers, acknowledged, finalValues, written);
        return new ChaosRun(operations, finalValues, [.. clients.Select(c => c.Stats).Append(leaseClient.Stats)], nemesis, result, checkTime, watchers, watchProblems);
    }

    /// <summary>A summary of what the clients did, for the test's output.</summary>
    public string Describe()
    {
        var lines = new List<string>();
        foreach (var kind in Enum.GetValues<KvOperationKind>())
        {
            lines.Add($"{kind}: {Clients.Sum(c => c.Known(kind))} answered, {Clients.Sum(c => c.Unknown(kind))} with unknown outcome");
        }
        lines.Add($"writes sent more than once (same ids): {Clients.Sum(c => c.Retried)}");
        lines.Add($"episodes: {Episodes} ({string.Join(", ", EpisodesRun.Select(e => $"{e.Key} {e.Value}"))}); a majority down for {MajorityDown.Sum(d => (d.To - d.From).TotalSeconds):0.0} s in {MajorityDown.Count} stretches");
        lines.Add($"watches: {string.Join("; ", Watchers.Select(w => $"from node {w.FirstNode}: {w.Events.Count} events up to index {w.Next - 1}, {w.Resumes} resumes, {w.Compacted.Sum(g => (long)(g.To - g.From))} compacted indexes skipped"))}; {WatchProblems.Count} problems");
        lines.Add($"history: {History.Count} operations; checked in {CheckTime.TotalSeconds:0.0} s ({Result.Steps} search steps): {Result.Verdict}");
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>
    /// Reads <paramref name="key"/> linearizably through each running node in turn until one answers, and records the read;
    /// a value found is also a change the watches must have, at the index the read names (so they catch up past it).
    /// </summary>
    private static async Task<string?> FinalReadAsync(LocalCluster cluster, ChaosHistory history, ChaosChanges changes, int client, string key)
    {
        var deadline = DateTime.UtcNow + SettleTimeout;
        int[] running = [.. Enumerable.Range(0, cluster.Size).Where(cluster.IsRunning)];
        for (int attempt = 0; ; attempt++)
        {
            int op = history.Invoke(client, KvInput.Get(key));
            try
            {
                var reply = await cluster.KeyValue(running[attempt % running.Length]).GetAsync(new GetRequest { Key = key }, deadline: DateTime.UtcNow.AddSeconds(2)).ConfigureAwait(false);
                string? value = reply.Found ? reply.Value.ToStringUtf8() : null;
                history.Complete(op, KvOutput.GetResult(reply.Found, value));
                if (reply.Found)
                {
                    changes.Add(reply.Index, key, value);
                }
                return value;
            }
            catch (RpcException e) when (LocalCluster.IsUnavailable(e) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }
}
