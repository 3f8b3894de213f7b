extern alias client;

using System.Globalization;
using System.Text;
using client::Paxos.Client;
using Paxos.Cluster.Tests.Harness;
using Xunit.Abstractions;

namespace Paxos.Client.Tests;

/// <summary><see cref="PaxosClient"/> against 5 real node processes.</summary>
public sealed class ClientClusterTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Election = TimeSpan.FromSeconds(15);
    private readonly ITestOutputHelper _output = output;
    private readonly LocalCluster _cluster = new(output);

    public void Dispose() => _cluster.Dispose();

    private Uri[] AllEndpoints => [.. _cluster.Config.Nodes.Select(n => n.Url)];

    private static PaxosClient Client(IReadOnlyList<Uri> endpoints) =>
        new(new PaxosClientOptions { Endpoints = endpoints, Timeout = TimeSpan.FromSeconds(30) });

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task Every_operation_works_through_a_client_given_every_endpoint()
    {
        await _cluster.StartAllAsync();
        await using var client = Client(AllEndpoints);

        var put = await client.PutAsync("greeting", "hello");
        Assert.True(put.Index > 0);
        var got = await client.GetAsync("greeting");
        Assert.True(got.Found);
        Assert.Equal("hello", got.ValueAsString());
        Assert.Equal(put.Index, got.Index);
        Assert.False((await client.GetAsync("nothing-here")).Found);

        var created = await client.CompareAndSwapAsync("lock", null, Bytes("me"));
        Assert.True(created.Succeeded);
        Assert.True(created.Index > put.Index);
        var refused = await client.CompareAndSwapAsync("lock", Bytes("someone-else"), Bytes("you"));
        Assert.False(refused.Succeeded);
        Assert.True(refused.Found);
        Assert.Equal("me", Encoding.UTF8.GetString(refused.CurrentValue.Span));
        var swapped = await client.CompareAndSwapAsync("lock", Bytes("me"), Bytes("you"));
        Assert.True(swapped.Succeeded);

        var deleted = await client.DeleteAsync("greeting");
        Assert.True(deleted.Existed);
        Assert.True(deleted.Index > swapped.Index);
        Assert.False((await client.DeleteAsync("greeting")).Existed);
        Assert.False((await client.GetAsync("greeting")).Found);

        // A serializable read is answered by one node's replica, which catches up soon after.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((await client.GetAsync("lock", ReadConsistency.Serializable)).ValueAsString() != "you")
        {
            Assert.True(DateTime.UtcNow < deadline, "the serializable read never saw the swap");
            await Task.Delay(50);
        }

        var leader = await client.GetLeaderAsync();
        Assert.True(leader.Known);
        Assert.Contains(leader.Url, AllEndpoints);
        Assert.Equal(_cluster.Config.Nodes[await _cluster.WaitForLeaderAsync(Election)].Id, leader.Id);

        await Assert.ThrowsAsync<PaxosInvalidArgumentException>(() => client.PutAsync(new string('k', 1025), "v"));
    }

    [Fact]
    public async Task Lists_page_through_a_prefix_and_a_watch_survives_the_kill_of_the_node_it_reads()
    {
        await _cluster.StartAllAsync();
        await using var client = Client(AllEndpoints);
        for (int i = 0; i < 25; i++)
        {
            await client.PutAsync($"list/{i:D2}", $"v{i}");
        }
        await client.PutAsync("other", "x");

        var first = await client.ListAsync("list/", limit: 10);
        Assert.Equal(10, first.Items.Count);
        Assert.True(first.More);
        Assert.Equal("list/00", first.Items[0].Key);
        var rest = await client.ListAsync("list/", first.Items[^1].Key, limit: 100, ReadConsistency.Serializable);
        Assert.Equal(15, rest.Items.Count);
        Assert.False(rest.More);
        var all = new List<KeyValueItem>();
        await foreach (var item in client.ListAllAsync("list/"))
        {
            all.Add(item);
        }
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"list/{i:D2}"), all.Select(item => item.Key));
        Assert.Equal("v7", all[7].ValueAsString());

        // A watch from the first write on, served by the leader (its client's first endpoint); the leader
        // is killed halfway, and the watch goes on at another node from where it stopped, with nothing
        // missed or repeated.
        int leader = await _cluster.WaitForLeaderAsync(Election);
        await using var watcher = Client([AllEndpoints[leader], .. AllEndpoints.Where((_, i) => i != leader)]);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var seen = new List<WatchEvent>();
        var watch = Task.Run(async () =>
        {
            await foreach (var change in watcher.WatchAsync("w/", prefix: true, startIndex: 1, cancellationToken: stop.Token))
            {
                lock (seen)
                {
                    seen.Add(change);
                    if (change.Key == "w/last")
                    {
                        return;
                    }
                }
            }
        });
        var indexes = new List<ulong>();
        for (int i = 0; i < 10; i++)
        {
            indexes.Add((await client.PutAsync($"w/{i}", $"{i}")).Index);
        }
        indexes.Add((await client.DeleteAsync("w/3")).Index);
        await WaitForAsync(seen, 11);
        _cluster.Kill(leader);
        for (int i = 10; i < 20; i++)
        {
            indexes.Add((await client.PutAsync($"w/{i}", $"{i}")).Index);
        }
        indexes.Add((await client.PutAsync("w/last", "end")).Index);
        await watch.WaitAsync(stop.Token);

        Assert.Equal(indexes, seen.Select(change => change.Index));
        Assert.Equal(WatchEventType.Delete, seen[10].Type);
        Assert.Equal("w/3", seen[10].Key);
        Assert.Equal("15", seen.Single(change => change.Key == "w/15").ValueAsString());
    }

    private static async Task WaitForAsync(List<WatchEvent> seen, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            lock (seen)
            {
                if (seen.Count >= count)
                {
                    return;
                }
            }
            Assert.True(DateTime.UtcNow < deadline, $"the watch did not deliver {count} changes");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Writes_across_four_leader_kills_are_each_applied_once_and_every_acknowledged_one_is_kept()
    {
        await _cluster.StartAllAsync();
        await using var client = Client(AllEndpoints);
        await client.PutAsync("counter", "0");

        // One writer: each step puts a key of its own with a value of its own, then adds one to the
        // counter by compare-and-swap from the value it knows. Only this writer writes the counter,
        // so a swap that fails means a retry was applied a second time instead of getting the first
        // answer (the swap from n to n+1 then finds n+1, its own earlier copy's doing).
        var acknowledged = new List<int>();
        var unknown = new List<int>();
        var violations = new List<string>();
        long counter = 0;
        int steps = 0;
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            for (int i = 1; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    await client.PutAsync($"item-{i}", $"value-{i}");
                    acknowledged.Add(i);
                }
                catch (PaxosOutcomeUnknownException)
                {
                    unknown.Add(i);
                }
                string expected = counter.ToString(CultureInfo.InvariantCulture);
                try
                {
                    var cas = await client.CompareAndSwapAsync("counter", Bytes(expected), Bytes((counter + 1).ToString(CultureInfo.InvariantCulture)));
                    if (cas.Succeeded)
                    {
                        counter++;
                    }
                    else
                    {
                        violations.Add($"step {i}: the swap from {expected} failed, finding {Encoding.UTF8.GetString(cas.CurrentValue.Span)}");
                        counter = long.Parse(Encoding.UTF8.GetString(cas.CurrentValue.Span), CultureInfo.InvariantCulture);
                    }
                }
                catch (PaxosOutcomeUnknownException)
                {
                    // Find out whether it was applied; either way it was applied at most once.
                    counter = long.Parse((await client.GetAsync("counter")).ValueAsString(), CultureInfo.InvariantCulture);
                }
                Interlocked.Exchange(ref steps, i);
            }
        });

        async Task WaitForStepsAsync(int more)
        {
            int target = Volatile.Read(ref steps) + more;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (Volatile.Read(ref steps) < target)
            {
                Assert.False(writer.IsCompleted, $"the writer stopped: {writer.Exception}");
                Assert.True(DateTime.UtcNow < deadline, $"the writer made no progress past step {steps}");
                await Task.Delay(10);
            }
        }

        // Each kill has a chance to land after a write was chosen and before its answer came back,
        // which is when a retry must get the first answer; four kills make a miss unlikely. At most
        // two nodes are down at once: the earlier of two is restarted before the next kill.
        await WaitForStepsAsync(20);
        var down = new List<int>();
        for (int kill = 0; kill < 4; kill++)
        {
            int leader = await _cluster.WaitForLeaderAsync(Election, down.ToHashSet());
            _cluster.Kill(leader);
            down.Add(leader);
            await WaitForStepsAsync(20);
            if (down.Count == 2)
            {
                await _cluster.StartAndWaitAsync(down[0]);
                down.RemoveAt(0);
            }
        }
        await stop.CancelAsync();
        await writer;

        Assert.Empty(violations);
        _output.WriteLine($"{steps} steps, {acknowledged.Count} puts acknowledged, {unknown.Count} unknown, counter {counter}");
        foreach (int i in acknowledged)
        {
            var item = await client.GetAsync($"item-{i}");
            Assert.True(item.Found, $"acknowledged put {i} is lost");
            Assert.Equal($"value-{i}", item.ValueAsString());
        }
        // Nothing was applied behind the writer's back (a late copy of a retried swap, say).
        Assert.Equal(counter.ToString(CultureInfo.InvariantCulture), (await client.GetAsync("counter")).ValueAsString());
    }

    [Fact]
    public async Task A_client_whose_first_endpoint_is_dead_still_works()
    {
        await _cluster.StartAllAsync();
        _cluster.Kill(0);
        await using var client = Client(AllEndpoints);

        var put = await client.PutAsync("k", "v");
        Assert.Equal("v", (await client.GetAsync("k")).ValueAsString());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((await client.GetAsync("k", ReadConsistency.Serializable)).Index != put.Index)
        {
            Assert.True(DateTime.UtcNow < deadline, "the serializable read never saw the put");
            await Task.Delay(50);
        }
        var leader = await client.GetLeaderAsync();
        Assert.True(leader.Known);
        Assert.NotEqual(_cluster.Config.Nodes[0].Id, leader.Id);
        Assert.True((await client.DeleteAsync("k")).Existed);
    }
}
