using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Paxos.Cluster.Tests.Harness;
using Paxos.KeyValue;
using Paxos.KeyValue.Watching;
using Paxos.Node.Configuration;
using Paxos.Node.Hosting;
using Paxos.Transport.V1;

namespace Paxos.Cluster.Tests;

/// <summary>WatchService (CONTRACT.md section 1b) over gRPC, on one embedded node with small bounds.</summary>
public sealed class WatchServiceTests : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "paxos-watch-" + Guid.NewGuid().ToString("N"));
    private PaxosNodeHost? _host;
    private GrpcChannel? _channel;

    private static DateTime Deadline => DateTime.UtcNow.AddSeconds(20);

    private KeyValueService.KeyValueServiceClient KeyValue => new(_channel);

    private WatchService.WatchServiceClient Watches => new(_channel);

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task A_watch_reports_created_then_every_change_with_the_changes_of_a_transaction_in_one_message()
    {
        await StartAsync(new ChangeFeedOptions());
        ulong first = await PutAsync("w/a", "1");
        using var call = Watches.Watch(new WatchRequest { Key = "w/", Prefix = true, StartIndex = first });
        var created = await NextAsync(call);
        Assert.True(created.Created);
        Assert.Equal(first, created.NextIndex);
        Assert.Empty(created.Events);

        ulong second = await PutAsync("w/a", "1");
        await PutAsync("other", "x");
        var txn = new TxnRequest();
        txn.Success.Add(new TxnOp { Put = new PutRequest { Key = "w/b", Value = ByteString.CopyFromUtf8("2") } });
        txn.Success.Add(new TxnOp { Delete = new DeleteRequest { Key = "w/a" } });
        txn.Success.Add(new TxnOp { Delete = new DeleteRequest { Key = "w/never" } });
        ulong txnIndex = (await KeyValue.TxnAsync(txn, deadline: Deadline)).Index;
        await KeyValue.DeleteAsync(new DeleteRequest { Key = "w/a" }, deadline: Deadline);

        var events = new List<string>();
        while (events.Count < 4)
        {
            var response = await NextAsync(call);
            Assert.False(response.Created);
            Assert.Equal(0UL, response.CompactedIndex);
            if (response.Events.Any(e => e.Index == txnIndex))
            {
                Assert.Equal(2, response.Events.Count(e => e.Index == txnIndex));
            }
            events.AddRange(response.Events.Select(e => $"{e.Index - first} {e.Type} {e.Key} {e.Value.ToStringUtf8()}"));
        }
        // Indexes are compared to the writes' own: commands of other kinds (the leader's lease epoch) may fall between them.
        Assert.Equal(["0 Put w/a 1", $"{second - first} Put w/a 1", $"{txnIndex - first} Put w/b 2", $"{txnIndex - first} Delete w/a "], events);
    }

    [Fact]
    public async Task A_watch_from_below_what_the_node_keeps_gets_compacted_index_then_out_of_range()
    {
        await StartAsync(new ChangeFeedOptions { WindowIndexes = 5 });
        ulong last = 0;
        for (int i = 0; i < 12; i++)
        {
            last = await PutAsync("k", $"v{i}");
        }
        using var call = Watches.Watch(new WatchRequest { Key = "k", StartIndex = 1 });

        Assert.True((await NextAsync(call)).Created);
        Assert.Equal(last - 4, (await NextAsync(call)).CompactedIndex);
        var error = await Assert.ThrowsAsync<RpcException>(() => NextAsync(call));
        Assert.Equal(StatusCode.OutOfRange, error.StatusCode);
        Assert.Contains($"from index {last - 4}", error.Status.Detail, StringComparison.Ordinal);

        using var fromCompacted = Watches.Watch(new WatchRequest { Key = "k", StartIndex = last - 4 });
        Assert.True((await NextAsync(fromCompacted)).Created);
        Assert.Equal(5, (await NextAsync(fromCompacted)).Events.Count);
    }

    [Fact]
    public async Task A_client_that_does_not_read_is_cancelled_with_where_to_resume_and_resuming_misses_nothing()
    {
        await StartAsync(new ChangeFeedOptions { WatcherQueueBytes = 256 * 1024 });
        using var slow = Watches.Watch(new WatchRequest { Key = "big", StartIndex = 0 });
        ulong start = (await NextAsync(slow)).NextIndex;
        var written = new List<ulong>();
        for (int i = 0; i < 40; i++)
        {
            written.Add(await PutAsync("big", new string((char)('a' + (i % 26)), KeyValueLimits.MaxValueBytes / 4)));
        }

        var seen = new List<ulong>();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (true)
            {
                seen.AddRange((await NextAsync(slow)).Events.Select(e => e.Index));
            }
        });
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        ulong resume = ulong.Parse(error.Status.Detail.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture);
        // Where to resume: after the last change delivered, at or before the first one not delivered
        // (indexes between them changed nothing watched, e.g. the leader's lease epoch).
        Assert.InRange(resume, seen.Count == 0 ? start : seen[^1] + 1, written[seen.Count]);

        using var resumed = Watches.Watch(new WatchRequest { Key = "big", StartIndex = resume });
        Assert.True((await NextAsync(resumed)).Created);
        while (seen.Count < written.Count)
        {
            seen.AddRange((await NextAsync(resumed)).Events.Select(e => e.Index));
        }
        Assert.Equal(written, seen);
    }

    [Fact]
    public async Task Bad_requests_and_one_watcher_too_many_get_clear_errors()
    {
        await StartAsync(new ChangeFeedOptions { MaxWatchers = 1 });
        using var empty = Watches.Watch(new WatchRequest { Key = "" });
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => NextAsync(empty))).StatusCode);
        using var tooLong = Watches.Watch(new WatchRequest { Key = new string('k', KeyValueLimits.MaxKeyBytes + 1), Prefix = true });
        Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => NextAsync(tooLong))).StatusCode);

        using var everything = Watches.Watch(new WatchRequest { Key = "", Prefix = true });
        Assert.True((await NextAsync(everything)).Created);
        using var another = Watches.Watch(new WatchRequest { Key = "k" });
        var refused = await Assert.ThrowsAsync<RpcException>(() => NextAsync(another));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        await PutAsync("k", "still served");
        Assert.Equal("still served", Assert.Single((await NextAsync(everything)).Events).Value.ToStringUtf8());
    }

    /// <summary>Two thousand watch streams on one node: each gets the change, and waiting watches hold no thread each.</summary>
    [Fact]
    public async Task Two_thousand_watches_on_one_node_each_get_the_change_without_a_thread_each()
    {
        await StartAsync(new ChangeFeedOptions());
        const int Watches = 2000;
        var calls = Enumerable.Range(0, Watches).Select(i => this.Watches.Watch(new WatchRequest { Key = $"many/{i % 10}" })).ToList();
        try
        {
            await Task.WhenAll(calls.Select(async call => Assert.True((await NextAsync(call)).Created)));
            int threads = System.Diagnostics.Process.GetCurrentProcess().Threads.Count;
            Assert.True(threads < Watches / 4, $"{threads} threads for {Watches} waiting watches");

            var indexes = new ulong[10];
            for (int key = 0; key < 10; key++)
            {
                indexes[key] = await PutAsync($"many/{key}", $"v{key}");
            }

            await Task.WhenAll(calls.Select(async (call, i) =>
            {
                var change = Assert.Single((await NextAsync(call)).Events);
                Assert.Equal((indexes[i % 10], $"v{i % 10}"), (change.Index, change.Value.ToStringUtf8()));
            }));
        }
        finally
        {
            calls.ForEach(call => call.Dispose());
        }
    }

    [Fact]
    public async Task A_stopping_node_ends_its_watches_with_unavailable_and_where_to_resume()
    {
        await StartAsync(new ChangeFeedOptions());
        ulong index = await PutAsync("k", "v");
        using var call = Watches.Watch(new WatchRequest { Key = "k", StartIndex = index });
        Assert.True((await NextAsync(call)).Created);
        Assert.Single((await NextAsync(call)).Events);

        var stopping = _host!.DisposeAsync().AsTask();
        _host = null;
        var error = await Assert.ThrowsAsync<RpcException>(() => NextAsync(call));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.EndsWith($"start_index {index + 1}", error.Status.Detail, StringComparison.Ordinal);
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private async Task StartAsync(ChangeFeedOptions feed)
    {
        int port = FreePorts.Take(1)[0];
        var url = new Uri($"http://127.0.0.1:{port}");
        var options = new NodeOptions(new ClusterConfig([new NodeEntry("n0", url, port)]), "n0", _root)
        {
            StateMachine = new KeyValueStateMachine(new KeyValueStateMachineOptions(), feed),
        };
        _host = await PaxosNodeHost.StartAsync(options, CancellationToken.None);
        // 2,000 streams take some 20 connections at once: on a loaded machine more than the peers' 1 s to connect.
        _channel = PeerChannels.Create(url, connectTimeout: TimeSpan.FromSeconds(20));
    }

    private async Task<ulong> PutAsync(string key, string value)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return (await KeyValue.PutAsync(new PutRequest { Key = key, Value = ByteString.CopyFromUtf8(value) }, deadline: Deadline)).Index;
            }
            catch (RpcException e) when (LocalCluster.IsUnavailable(e) && attempt < 5)
            {
                await Task.Delay(100); // the node is still electing itself
            }
        }
    }

    private static async Task<WatchResponse> NextAsync(AsyncServerStreamingCall<WatchResponse> call)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.True(await call.ResponseStream.MoveNext(timeout.Token), "the watch ended without a status");
        return call.ResponseStream.Current;
    }
}
