using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using HdrHistogram;

namespace Paxos.Bench.Watching;

/// <summary>
/// Runs <c>paxos bench watch</c>: opens every watcher (on one fresh prefix, spread over the
/// endpoints) and waits until all are in place, then writes under the prefix from the writers for
/// the duration, and waits until every acknowledged put reached every watcher, or for 5 s without
/// progress. Each value carries the time its put started, so each delivery records its latency.
/// </summary>
internal sealed class WatchBenchRunner(WatchBenchSettings settings, TextWriter progress)
{
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan CreateTimeout = TimeSpan.FromSeconds(60);

    private readonly LongConcurrentHistogram _latency = new(1, 3_600_000_000, 3);
    private long _deliveries;
    private long _lastDelivery;

    public async Task<WatchBenchResult> RunAsync(CancellationToken cancellationToken)
    {
        string prefix = string.Create(CultureInfo.InvariantCulture, $"bench-watch-{Environment.ProcessId}-{DateTime.UtcNow.Ticks:x}/");
        int endpoints = settings.Endpoints.Count;
        using IWatchBenchTarget target = settings.Target is BenchTarget.Etcd
            ? new EtcdWatchTarget([.. settings.Endpoints.Select(url => GrpcChannel.ForAddress(url, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
                MaxReceiveMessageSize = 16 * 1024 * 1024,
            }))])
            : new PaxosWatchTarget(settings.Endpoints);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        var created = Enumerable.Range(0, settings.Watchers).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var watchers = Enumerable.Range(0, settings.Watchers)
            .Select(i => Task.Run(() => target.WatchAsync(i % endpoints, prefix, created[i], OnValue, stop.Token), CancellationToken.None)).ToArray();
        var allCreated = Task.WhenAll(created.Select(c => c.Task));
        if (await Task.WhenAny(allCreated, Task.WhenAny(watchers), Task.Delay(CreateTimeout, cancellationToken)).ConfigureAwait(false) != allCreated)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            string reason = watchers.FirstOrDefault(w => w.IsFaulted)?.Exception?.InnerException?.Message ?? $"not all in place within {CreateTimeout.TotalSeconds} s";
            throw new BenchUnavailableException($"the watchers could not be opened: {reason}");
        }
        await progress.WriteLineAsync($"{settings.Watchers} watchers in place; writing for {settings.Duration.TotalSeconds} s").ConfigureAwait(false);

        long start = Stopwatch.GetTimestamp();
        long writes = 0;
        long errors = 0;
        await Task.WhenAll(Enumerable.Range(0, settings.Writers).Select(writer => Task.Run(async () =>
        {
            for (int n = 0; Stopwatch.GetElapsedTime(start) < settings.Duration && !cancellationToken.IsCancellationRequested; n++)
            {
                var value = new byte[settings.ValueSize];
                BinaryPrimitives.WriteInt64LittleEndian(value, Stopwatch.GetTimestamp());
                try
                {
                    await target.PutAsync(writer % endpoints, string.Create(CultureInfo.InvariantCulture, $"{prefix}{writer}/{n % 100}"), value, cancellationToken).ConfigureAwait(false);
                    Interlocked.Increment(ref writes);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is RpcException or Paxos.Client.PaxosException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }, CancellationToken.None))).ConfigureAwait(false);
        double writeSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        long expected = writes * settings.Watchers;
        long seen = -1;
        while (Interlocked.Read(ref _deliveries) < expected && Interlocked.Read(ref _deliveries) != seen && !cancellationToken.IsCancellationRequested)
        {
            seen = Interlocked.Read(ref _deliveries);
            await Task.Delay(Stall, cancellationToken).ConfigureAwait(false);
        }
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(watchers.Select(w => w.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default))).ConfigureAwait(false);

        long deliveries = Interlocked.Read(ref _deliveries);
        double deliverySeconds = deliveries == 0 ? 0 : Stopwatch.GetElapsedTime(start, Interlocked.Read(ref _lastDelivery)).TotalSeconds;
        return new WatchBenchResult(settings, writes, errors, writeSeconds, deliveries, deliverySeconds, Math.Max(0, expected - deliveries),
            LatencySummary.FromMicroseconds(_latency), SystemLoad.OneMinute());
    }

    private void OnValue(ReadOnlyMemory<byte> value)
    {
        long now = Stopwatch.GetTimestamp();
        if (value.Length < WatchBenchSettings.MinValueSize)
        {
            return;
        }
        long sent = BinaryPrimitives.ReadInt64LittleEndian(value.Span);
        _latency.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime(sent, now).TotalMicroseconds));
        Interlocked.Increment(ref _deliveries);
        Interlocked.Exchange(ref _lastDelivery, now);
    }
}
