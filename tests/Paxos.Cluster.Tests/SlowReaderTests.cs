using Google.Protobuf;
using Paxos.Cluster.Tests.Harness;
using Paxos.Node.Hosting;
using Paxos.Transport.V1;
using Xunit.Abstractions;

namespace Paxos.Cluster.Tests;

/// <summary>
/// A client that stops reading cannot hold the node's memory: a raw HTTP/2 client sends many Gets
/// of a 1 MiB value (or opens many watches of a key that changes by 1 MiB) on one connection and
/// never opens its receive window. The responses it leaves
/// unwritten are bounded in bytes (<see cref="ServerLimits.MaxClientResponseBytesPerConnection"/>)
/// and in time (<see cref="ServerLimits.ResponseWriteTimeout"/>), and other clients are served.
/// </summary>
public sealed class SlowReaderTests(ITestOutputHelper output) : IAsyncDisposable
{
    private const int Mebibyte = 1024 * 1024;
    private const int Calls = 96; // within the 100 streams a connection may open

    private readonly EmbeddedCluster _cluster = new(1);

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task A_client_that_never_reads_holds_bounded_memory_for_a_bounded_time_and_others_are_served()
    {
        var limits = new ServerLimits { MaxClientResponseBytesPerConnection = 16 * Mebibyte, ResponseWriteTimeout = TimeSpan.FromSeconds(5) };
        await _cluster.StartAsync(0, options => options with { Limits = limits });
        byte[] value = new byte[Mebibyte];
        new Random(1).NextBytes(value);
        await _cluster.PutAsync(0, "large", ByteString.CopyFrom(value), TimeSpan.FromSeconds(30));
        await _cluster.KeyValue(0).GetAsync(new GetRequest { Key = "large" }, deadline: DateTime.UtcNow.AddSeconds(30)); // warm
        long before = Heap();

        await using var greedy = new RawHttp2Client();
        await greedy.ConnectAsync(_cluster.Config.Nodes[0].Url);
        byte[] get = new GetRequest { Key = "large" }.ToByteArray();
        for (int i = 0; i < Calls; i++)
        {
            await greedy.CallAsync("/paxos.v1.KeyValueService/Get", get);
        }
        long held = await SettledHeapAsync() - before;
        output.WriteLine($"heap held by {Calls} unread Gets of 1 MiB: {held / Mebibyte} MiB; working set {Environment.WorkingSet / Mebibyte} MiB; {greedy.Ended.Count} calls ended so far");

        var other = await _cluster.KeyValue(0).GetAsync(new GetRequest { Key = "large" }, deadline: DateTime.UtcNow.AddSeconds(30));
        Assert.Equal(value, other.Value.ToByteArray());
        // 16 MiB of responses, their copies on the way to the socket, and slack for the node's own work.
        Assert.True(held < 40L * Mebibyte, $"a client that never reads holds {held / Mebibyte} MiB of the node's heap");

        // Within the write timeout, each of its calls was refused (RESOURCE_EXHAUSTED, headers only) or cut off.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (greedy.Ended.Count < Calls && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }
        output.WriteLine($"ended: {greedy.Ended.Values.Count(v => v == "answered")} refused, {greedy.Ended.Values.Count(v => v == "reset")} cut off");
        Assert.Equal(Calls, greedy.Ended.Count);
        Assert.Contains("reset", greedy.Ended.Values);
        Assert.Equal(0, greedy.DataBytes);
        Assert.False(greedy.GoneAway);
    }

    /// <summary>The same for watches: 96 on one connection, each sent four 1 MiB changes it never reads.</summary>
    [Fact]
    public async Task Watches_that_never_read_hold_bounded_memory_for_a_bounded_time_and_writes_go_on()
    {
        var limits = new ServerLimits { MaxClientResponseBytesPerConnection = 8 * Mebibyte, ResponseWriteTimeout = TimeSpan.FromSeconds(3) };
        await _cluster.StartAsync(0, options => options with { Limits = limits });
        await _cluster.PutAsync(0, "watched", ByteString.CopyFromUtf8("small"), TimeSpan.FromSeconds(30));
        long before = Heap();

        await using var greedy = new RawHttp2Client();
        await greedy.ConnectAsync(_cluster.Config.Nodes[0].Url);
        byte[] watch = new WatchRequest { Key = "watched" }.ToByteArray();
        for (int i = 0; i < Calls; i++)
        {
            await greedy.CallAsync("/paxos.v1.WatchService/Watch", watch);
        }
        await Task.Delay(1000);
        for (int i = 0; i < 4; i++)
        {
            byte[] value = new byte[Mebibyte];
            new Random(i).NextBytes(value);
            await _cluster.PutAsync(0, "watched", ByteString.CopyFrom(value), TimeSpan.FromSeconds(30));
        }
        long held = await SettledHeapAsync() - before;
        output.WriteLine($"heap held by {Calls} unread watches after four 1 MiB changes: {held / Mebibyte} MiB; {greedy.Ended.Count} watches ended so far");

        // The four values (kept by the store and the change feed's window), 8 MiB of messages, slack.
        Assert.True(held < 40L * Mebibyte, $"watches that never read hold {held / Mebibyte} MiB of the node's heap");
        // The watches that held a change are cut off within the write timeout. The others were ended
        // with RESOURCE_EXHAUSTED, which waits behind their unread first message (a few bytes) until
        // the connection closes: HTTP/2 cannot send a stream's trailers before its data.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!greedy.Ended.Values.Contains("reset") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }
        await Task.Delay(limits.ResponseWriteTimeout * 2);
        int cut = greedy.Ended.Values.Count(v => v == "reset");
        output.WriteLine($"cut off: {cut} watches");
        Assert.InRange(cut, 1, 8);
        Assert.Equal(0, greedy.DataBytes);
        await _cluster.PutAsync(0, "watched", ByteString.CopyFromUtf8("after"), TimeSpan.FromSeconds(30));
    }

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>The heap once the node has answered what it was sent: two readings 500 ms apart within 1 MiB, after at least 2 s.</summary>
    private static async Task<long> SettledHeapAsync()
    {
        await Task.Delay(2000);
        long seen = Heap();
        for (int i = 0; i < 20; i++)
        {
            await Task.Delay(500);
            long now = Heap();
            if (Math.Abs(now - seen) < Mebibyte)
            {
                return Math.Max(now, seen);
            }
            seen = now;
        }
        return seen;
    }
}
