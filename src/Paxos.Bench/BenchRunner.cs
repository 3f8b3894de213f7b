using System.Diagnostics;
using Grpc.Core;
using HdrHistogram;
using Paxos.Client;

namespace Paxos.Bench;

/// <summary>
/// Runs one benchmark: checks that every endpoint answers, preloads the keys for reads (grants the
/// leases for keep-alives), then keeps
/// <see cref="BenchSettings.Clients"/> requests in flight for the warm-up and the measured time and
/// stops by itself. The requests that finish in the measured time count, so that throughput is
/// unbiased (requests in flight when the run ends are cut off and not counted).
/// </summary>
internal sealed class BenchRunner
{
    private static readonly TimeSpan ErrorPause = TimeSpan.FromMilliseconds(50);

    private readonly BenchSettings settings;
    private readonly TextWriter progress;
    private readonly LiveCounters counters = new();
    private readonly LongConcurrentHistogram latencies;
    private long casFailed;

    public BenchRunner(BenchSettings settings, TextWriter progress)
    {
        this.settings = settings;
        this.progress = progress;
        // Microseconds, 3 significant digits, up to twice the request deadline (slower ones are clamped).
        latencies = new LongConcurrentHistogram(1, Math.Max(2_000_000, (long)settings.RequestTimeout.TotalMicroseconds * 2), 3);
    }

    /// <summary>Runs the benchmark; throws <see cref="BenchUnavailableException"/> if the cluster cannot serve it.</summary>
    public async Task<BenchResult> RunAsync(CancellationToken cancellationToken)
    {
        var data = BenchDataset.Create(settings.Keys, settings.ValueSize, seed: 1);
        await using var connections = new BenchConnections(settings, data);
        var clients = Enumerable.Range(0, settings.Clients).Select(connections.CreateClient).ToArray();

        await CheckEndpointsAsync(connections, cancellationToken).ConfigureAwait(false);
        if (settings.Reads)
        {
            await PreloadAsync(clients, cancellationToken).ConfigureAwait(false);
        }
        ulong[] leases = settings.Workload is Workload.KeepAlive ? await GrantLeasesAsync(clients, cancellationToken).ConfigureAwait(false) : [];

        var total = settings.Warmup + settings.Duration;
        progress.WriteLine($"{settings.ToCommandLine()}: {settings.ChannelCount} channels, {settings.Warmup.TotalSeconds} s warm-up, {settings.Duration.TotalSeconds} s measured");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var probe = new MachineSpeedProbe();
        long start = Stopwatch.GetTimestamp();
        long measureFrom = start + (long)(settings.Warmup.TotalSeconds * Stopwatch.Frequency);
        long measureUntil = start + (long)(total.TotalSeconds * Stopwatch.Frequency);
        stop.CancelAfter(total);
        long allocatedBefore = GC.GetTotalAllocatedBytes();
        var reporter = ProgressLine.RunAsync(counters, settings.Warmup, total, progress, stop.Token);
        await Task.WhenAll(clients.Select((client, worker) => WorkAsync(client, worker, leases, measureFrom, measureUntil, stop.Token))).ConfigureAwait(false);
        await reporter.ConfigureAwait(false);
        long requests = counters.Completed + counters.Failed;
        if (requests > 0)
        {
            // The whole process's allocations (gRPC's included) over warm-up and measurement: what the client path costs the GC.
            progress.WriteLine($"allocated {(GC.GetTotalAllocatedBytes() - allocatedBefore) / requests:#,0} bytes per request");
        }

        long end = Math.Min(Stopwatch.GetTimestamp(), measureUntil);
        double measuredSeconds = Math.Max(0, (end - measureFrom) / (double)Stopwatch.Frequency);
        long ops = latencies.TotalCount;
        long errors = counters.MeasuredFailed;
        if (ops == 0 && errors > 0)
        {
            throw new BenchUnavailableException($"no request succeeded ({errors} errors; first: {counters.FirstError})");
        }
        return BenchResult.Of(settings, measuredSeconds, ops, errors, Interlocked.Read(ref casFailed), LatencySummary.FromMicroseconds(latencies),
            probeMs: probe.MedianMs(measureFrom, end), firstError: counters.FirstMeasuredError);
    }

    private async Task WorkAsync(IBenchClient client, int worker, ulong[] leases, long measureFrom, long measureUntil, CancellationToken stop)
    {
        await Task.Yield();
        var random = new Random(worker + 1);
        int casKey = worker % settings.Keys;
        while (!stop.IsCancellationRequested)
        {
            long started = Stopwatch.GetTimestamp();
            var deadline = DateTime.UtcNow + settings.RequestTimeout;
            try
            {
                bool swapped = true;
                switch (settings.Workload)
                {
                    case Workload.Put:
                        await client.PutAsync(random.Next(settings.Keys), deadline, stop).ConfigureAwait(false);
                        break;
                    case Workload.Get:
                        await client.GetAsync(random.Next(settings.Keys), deadline, stop).ConfigureAwait(false);
                        break;
                    case Workload.Mixed when random.NextDouble() < settings.ReadRatio:
                        await client.GetAsync(random.Next(settings.Keys), deadline, stop).ConfigureAwait(false);
                        break;
                    case Workload.Mixed:
                        await client.PutAsync(random.Next(settings.Keys), deadline, stop).ConfigureAwait(false);
                        break;
                    case Workload.Cas:
                        swapped = await client.CompareAndSwapAsync(casKey, deadline, stop).ConfigureAwait(false);
                        break;
                    case Workload.Txn:
                        swapped = await client.TxnAsync(casKey, deadline, stop).ConfigureAwait(false);
                        break;
                    case Workload.KeepAlive:
                        await client.KeepAliveAsync(leases[random.Next(leases.Length)], deadline, stop).ConfigureAwait(false);
                        break;
                }
                long finished = Stopwatch.GetTimestamp();
                counters.AddCompleted();
                if (finished >= measureFrom && finished <= measureUntil)
                {
                    latencies.RecordValue(Math.Clamp((long)Stopwatch.GetElapsedTime(started, finished).TotalMicroseconds, 1, latencies.HighestTrackableValue));
                    if (!swapped)
                    {
                        Interlocked.Increment(ref casFailed);
                    }
                }
            }
            catch (Exception e) when (stop.IsCancellationRequested && (e is OperationCanceledException || IsRequestFailure(e)))
            {
                return; // cut off by the end of the run
            }
            catch (Exception e) when (IsRequestFailure(e))
            {
                counters.AddFailed(Describe(e), measured: Stopwatch.GetTimestamp() >= measureFrom);
                await PauseAsync(stop).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One read through the first channel of each endpoint, so that a cluster that is down fails the run at once.</summary>
    private async Task CheckEndpointsAsync(BenchConnections connections, CancellationToken cancellationToken)
    {
        int count = Math.Min(settings.Endpoints.Count, settings.ChannelCount);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async channel =>
        {
            try
            {
                await connections.CreateClientOn(channel).GetAsync(0, DateTime.UtcNow + settings.RequestTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsRequestFailure(e))
            {
                throw new BenchUnavailableException($"{settings.Target.ToString().ToLowerInvariant()} endpoint {connections.EndpointOf(channel)} did not answer: {Describe(e)}", e);
            }
        })).ConfigureAwait(false);
    }

    /// <summary>Writes every key once, so that reads find values of the run's size.</summary>
    private async Task PreloadAsync(IBenchClient[] clients, CancellationToken cancellationToken)
    {
        progress.WriteLine($"preloading {settings.Keys} keys of {settings.ValueSize} bytes...");
        await Task.WhenAll(clients.Select(async (client, worker) =>
        {
            for (int key = worker; key < settings.Keys; key += clients.Length)
            {
                try
                {
                    await client.PutAsync(key, DateTime.UtcNow + settings.RequestTimeout, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsRequestFailure(e))
                {
                    throw new BenchUnavailableException($"preloading the keys failed: {Describe(e)}", e);
                }
            }
        })).ConfigureAwait(false);
    }

    /// <summary>Grants the keepalive workload's <see cref="BenchSettings.Keys"/> leases, spread over the clients.</summary>
    private async Task<ulong[]> GrantLeasesAsync(IBenchClient[] clients, CancellationToken cancellationToken)
    {
        progress.WriteLine($"granting {settings.Keys} leases of {settings.LeaseTtl.TotalSeconds} s...");
        var leases = new ulong[settings.Keys];
        await Task.WhenAll(clients.Select(async (client, worker) =>
        {
            for (int lease = worker; lease < leases.Length; lease += clients.Length)
            {
                try
                {
                    leases[lease] = await client.GrantLeaseAsync(settings.LeaseTtl, DateTime.UtcNow + settings.RequestTimeout, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsRequestFailure(e))
                {
                    throw new BenchUnavailableException($"granting the leases failed: {Describe(e)}", e);
                }
            }
        })).ConfigureAwait(false);
        return leases;
    }

    /// <summary>A request that failed: the gRPC error (etcd), or <c>PaxosClient</c>'s exception for it.</summary>
    private static bool IsRequestFailure(Exception e) => e is RpcException or PaxosException or PaxosInvalidArgumentException;

    private static string Describe(Exception e) => e is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : e.Message;

    private static async Task PauseAsync(CancellationToken stop)
    {
        try
        {
            await Task.Delay(ErrorPause, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The run is over; the loop sees it.
        }
    }
}
