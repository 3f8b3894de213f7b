using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Paxos.Cluster.Tests.Harness;
using Paxos.Transport.V1;
using Xunit.Abstractions;

namespace Paxos.Cluster.Tests;

/// <summary>
/// Writes of the largest value the contract allows (1 MiB; these use 1,048,000 bytes, a little
/// under it) against 5 real node processes: many of them at once through every node, and the
/// leader killed while many are in flight. Each test runs for about a minute or less; they carry
/// the trait Category=MaximumSize, left out of the default run (tests/default.runsettings); <c>dotnet test -p:RunSettingsFilePath= --filter Category=MaximumSize</c> runs them.
/// </summary>
[Trait("Category", "MaximumSize")]
public sealed class MaximumSizeWriteTests(ITestOutputHelper output) : IDisposable
{
    private const int ValueBytes = 1_048_000;
    private const int Clients = 16;
    private const int BigKeys = 50;

    /// <summary>The writer's id at the start of every value, padded to this many bytes; the rest is the writer's own random bytes.</summary>
    private const int IdBytes = 32;

    private static readonly TimeSpan Election = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private readonly LocalCluster _cluster = new(output);
    private readonly byte[][] _bodies = [.. Enumerable.Range(0, Clients).Select(NewBody)];

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task Sixteen_clients_writing_maximum_size_values_through_every_node_for_a_minute_then_small_ones_see_no_error_and_lose_nothing()
    {
        await _cluster.StartAllAsync();
        await _cluster.WaitForLeaderAsync(Election);
        var clock = Stopwatch.StartNew();
        var failures = new ConcurrentQueue<string>();

        // Phase 1: 1,048,000-byte values to 50 keys, each client sending each write to the next node in turn.
        var big = new ConcurrentBag<Write>();
        var bigUnknown = new ConcurrentDictionary<string, bool>(); // ids of failed writes: they may or may not have taken effect
        var bigEnd = clock.Elapsed + TimeSpan.FromSeconds(60);
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            var random = new Random(client);
            for (int seq = 0; clock.Elapsed < bigEnd; seq++)
            {
                string key = $"big-{random.Next(BigKeys)}";
                string id = $"c{client}-{seq}";
                var write = await PutAsync((client + seq) % _cluster.Size, key, id, BigValue(client, id), clock, failures);
                if (write is not null)
                {
                    big.Add(write);
                }
                else
                {
                    bigUnknown[id] = true;
                }
            }
        })));
        output.WriteLine($"{big.Count} writes of {ValueBytes:N0} bytes in 60 s ({big.Count * (double)ValueBytes / 60 / 1024 / 1024:0.0} MiB/s), {failures.Count} failed");

        // Phase 2: 100-byte values to new keys, as fast as the clients go.
        var small = new ConcurrentBag<Write>();
        var smallEnd = clock.Elapsed + TimeSpan.FromSeconds(10);
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            for (int seq = 0; clock.Elapsed < smallEnd; seq++)
            {
                string id = $"s{client}-{seq}";
                var write = await PutAsync((client + seq) % _cluster.Size, $"small-{id}", id, SmallValue(id), clock, failures);
                if (write is not null)
                {
                    small.Add(write);
                }
            }
        })));
        output.WriteLine($"then {small.Count} writes of 100 bytes in 10 s; {failures.Count} failed in all");

        // Every acknowledged write is readable: a key's value is a write to it that no other write
        // to it followed in real time (so the last one, or one of the last, concurrent ones), or
        // one that failed and so may have taken effect.
        var readFailures = new ConcurrentQueue<string>();
        await ForEachAsync(big.GroupBy(w => w.Key).ToList(), async (writes, reader) =>
        {
            string key = writes.Key;
            if (await GetAsync(reader % _cluster.Size, key, readFailures) is not { } got)
            {
                return;
            }
            string? id = got.Found ? IdOf(got.Value, readFailures, key) : null;
            var read = writes.FirstOrDefault(w => w.Id == id);
            if (read is null && id is not null && bigUnknown.ContainsKey(id))
            {
                return; // a failed write's value: it took effect after all, which proves nothing either way
            }
            if (read is null)
            {
                readFailures.Enqueue($"{key}: read {(got.Found ? $"'{id}'" : "nothing")}, which no acknowledged write to it wrote");
            }
            else if (writes.FirstOrDefault(w => w.Invoked > read.Completed) is { } later)
            {
                readFailures.Enqueue($"{key}: read {read}, but {later} was acknowledged and began after it completed");
            }
        });
        await ForEachAsync(small.ToList(), async (write, reader) =>
        {
            if (await GetAsync(reader % _cluster.Size, write.Key, readFailures) is not { } got)
            {
                return;
            }
            if (!got.Found || got.Value.ToStringUtf8() != Encoding.UTF8.GetString(SmallValue(write.Id)))
            {
                readFailures.Enqueue($"{write}: read {(got.Found ? $"'{got.Value.ToStringUtf8()}'" : "nothing")}");
            }
        });
        Assert.True(failures.IsEmpty, $"{failures.Count} calls failed:\n{string.Join("\n", failures.Take(20))}");
        Assert.True(big.Count >= Clients && small.Count >= Clients, $"too little progress: {big.Count} large and {small.Count} small writes");
        Assert.True(readFailures.IsEmpty, $"{readFailures.Count} acknowledged writes not read back (or their reads failed):\n{string.Join("\n", readFailures.Take(20))}");
        _cluster.AssertNoNodeExitedByItself();
    }

    [Fact]
    public async Task The_leader_killed_with_maximum_size_writes_in_flight_is_replaced_within_ten_seconds_and_loses_no_acknowledged_write()
    {
        await _cluster.StartAllAsync();
        int leader = await _cluster.WaitForLeaderAsync(Election);
        var clock = Stopwatch.StartNew();
        var failures = new ConcurrentQueue<string>();
        var acknowledged = new ConcurrentBag<Write>();
        TimeSpan? killedAt = null;
        using var stop = new CancellationTokenSource();

        // 16 writers of 1,048,000-byte values, each to a new key, all through the leader (so many
        // large slots are in flight there, accepted by some followers and not yet by others); once
        // it is killed, through the other nodes in turn.
        var writers = Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            for (int seq = 0; !stop.IsCancellationRequested; seq++)
            {
                int node = killedAt is null ? leader : Survivor(leader, client + seq);
                string id = $"c{client}-{seq}";
                try
                {
                    var invoked = clock.Elapsed;
                    await _cluster.KeyValue(node).PutAsync(new PutRequest { Key = $"big-{id}", Value = ByteString.CopyFrom(BigValue(client, id)) }, deadline: DateTime.UtcNow + CallTimeout);
                    acknowledged.Add(new Write($"big-{id}", id, node, invoked, clock.Elapsed));
                }
                catch (RpcException e) when (LocalCluster.IsUnavailable(e) && killedAt is not null)
                {
                    // the leader died under it, or no new one yet: outcome unknown
                }
                catch (RpcException e)
                {
                    // Also UNAVAILABLE or DEADLINE_EXCEEDED before the kill: the cluster was whole then.
                    failures.Enqueue($"put {id} through node {node}{(killedAt is null ? " before the kill" : "")}: {e.StatusCode}: {e.Status.Detail}");
                }
            }
        })).ToList();

        int? newLeader = null;
        List<Write> beforeKill;
        TimeSpan electedAfter;
        var firstNew = TimeSpan.MaxValue;
        try
        {
            // Kill it once every writer has had writes acknowledged, while each has one more in flight.
            var warmUp = Stopwatch.StartNew();
            while (acknowledged.Select(w => w.Id.Split('-')[0]).Distinct().Count() < Clients && warmUp.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(100);
            }
            await Task.Delay(1000);
            int leading = await _cluster.WaitForLeaderAsync(Election);
            if (leading != leader)
            {
                output.WriteLine($"the leadership moved from node {leader} to node {leading} under the load; the writers follow it");
                leader = leading;
                await Task.Delay(1000);
            }
            killedAt = clock.Elapsed;
            _cluster.Kill(leader);
            beforeKill = acknowledged.Where(w => w.Completed < killedAt).ToList();
            try
            {
                newLeader = await _cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(10), new HashSet<int> { leader });
            }
            catch (TimeoutException)
            {
                // no new leader in time: reported below
            }
            electedAfter = clock.Elapsed - killedAt.Value;

            // New writes (sent after the kill) succeed within 10 s.
            while (clock.Elapsed - killedAt.Value < TimeSpan.FromSeconds(10))
            {
                var newWrites = acknowledged.Where(w => w.Invoked > killedAt).ToList();
                if (newWrites.Count > 0)
                {
                    firstNew = newWrites.Min(w => w.Completed) - killedAt.Value;
                    break;
                }
                await Task.Delay(50);
            }
            await Task.Delay(2000);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(writers);
        }
        output.WriteLine($"{beforeKill.Count} writes acknowledged before the kill of leader node {leader}; {(newLeader is null ? "no node led" : $"node {newLeader} led")} {electedAfter.TotalSeconds:0.00} s after it; first new write acknowledged after {(firstNew == TimeSpan.MaxValue ? "never" : $"{firstNew.TotalSeconds:0.00} s")}; {acknowledged.Count} acknowledged in all");

        Assert.True(failures.IsEmpty, $"{failures.Count} calls failed before the kill, or after it with a status other than UNAVAILABLE or DEADLINE_EXCEEDED:\n{string.Join("\n", failures.Take(20))}");
        Assert.True(beforeKill.Count >= Clients, $"only {beforeKill.Count} writes acknowledged before the kill");
        Assert.True(newLeader is not null, $"no new leader within 10 s of the kill of leader node {leader}");
        Assert.True(firstNew <= TimeSpan.FromSeconds(10), "no write sent after the leader was killed was acknowledged within 10 s");

        var readFailures = new ConcurrentQueue<string>();
        await ForEachAsync(acknowledged.ToList(), async (write, reader) =>
        {
            if (await GetAsync(Survivor(leader, reader), write.Key, readFailures) is not { } got)
            {
                return;
            }
            string? id = got.Found ? IdOf(got.Value, readFailures, write.Key) : null;
            if (id != write.Id)
            {
                readFailures.Enqueue($"{write} (acknowledged {(write.Completed < killedAt ? "before" : "after")} the kill): read {(got.Found ? $"'{id}'" : "nothing")}");
            }
        });
        Assert.True(readFailures.IsEmpty, $"{readFailures.Count} acknowledged writes lost (or their reads failed):\n{string.Join("\n", readFailures.Take(20))}");
        _cluster.AssertNoNodeExitedByItself();
    }

    /// <summary>One acknowledged put: the value's id, the node it went through, and when it was invoked and answered.</summary>
    private sealed record Write(string Key, string Id, int Node, TimeSpan Invoked, TimeSpan Completed)
    {
        public override string ToString() => $"put {Id} to {Key} through node {Node} [{Invoked.TotalSeconds:0.000}..{Completed.TotalSeconds:0.000} s]";
    }

    /// <summary>A put whose failure, whatever the status, is recorded in <paramref name="failures"/>; null then.</summary>
    private async Task<Write?> PutAsync(int node, string key, string id, byte[] value, Stopwatch clock, ConcurrentQueue<string> failures)
    {
        var invoked = clock.Elapsed;
        try
        {
            await _cluster.KeyValue(node).PutAsync(new PutRequest { Key = key, Value = ByteString.CopyFrom(value) }, deadline: DateTime.UtcNow + CallTimeout);
            return new Write(key, id, node, invoked, clock.Elapsed);
        }
        catch (RpcException e)
        {
            failures.Enqueue($"put {id} ({value.Length:N0} bytes) to {key} through node {node} at {invoked.TotalSeconds:0.000} s: {e.StatusCode}: {e.Status.Detail}");
            return null;
        }
    }

    /// <summary>A linearizable get; null, and its failure recorded in <paramref name="failures"/>, if it fails with any status.</summary>
    private async Task<GetResponse?> GetAsync(int node, string key, ConcurrentQueue<string> failures)
    {
        try
        {
            return await _cluster.KeyValue(node).GetAsync(new GetRequest { Key = key }, deadline: DateTime.UtcNow + CallTimeout);
        }
        catch (RpcException e)
        {
            failures.Enqueue($"get {key} through node {node}: {e.StatusCode}: {e.Status.Detail}");
            return null;
        }
    }

    /// <summary>Runs <paramref name="check"/> on every item, 16 at a time; each reader has a number.</summary>
    private static Task ForEachAsync<T>(IReadOnlyList<T> items, Func<T, int, Task> check)
    {
        int next = -1;
        return Task.WhenAll(Enumerable.Range(0, Clients).Select(reader => Task.Run(async () =>
        {
            for (int i = Interlocked.Increment(ref next); i < items.Count; i = Interlocked.Increment(ref next))
            {
                await check(items[i], reader);
            }
        })));
    }

    /// <summary>A node other than <paramref name="dead"/>, in turn by <paramref name="turn"/>.</summary>
    private int Survivor(int dead, int turn) => (dead + 1 + (turn % (_cluster.Size - 1))) % _cluster.Size;

    private static byte[] NewBody(int client)
    {
        byte[] body = new byte[ValueBytes];
        new Random(1000 + client).NextBytes(body);
        return body;
    }

    /// <summary>The client's random bytes with <paramref name="id"/> at the front.</summary>
    private byte[] BigValue(int client, string id)
    {
        byte[] value = (byte[])_bodies[client].Clone();
        Array.Fill(value, (byte)' ', 0, IdBytes);
        Encoding.ASCII.GetBytes(id, value);
        return value;
    }

    private static byte[] SmallValue(string id) => Encoding.ASCII.GetBytes(id.PadRight(100, '.'));

    /// <summary>The id at the front of a large value read back, after checking that the rest is its writer's; null (and a failure) if it is not.</summary>
    private string? IdOf(ByteString value, ConcurrentQueue<string> failures, string key)
    {
        byte[] bytes = value.ToByteArray();
        string id = Encoding.ASCII.GetString(bytes, 0, Math.Min(IdBytes, bytes.Length)).TrimEnd();
        string[] parts = id.Split('-');
        bool intact = bytes.Length == ValueBytes && parts.Length == 2 && parts[0].StartsWith('c')
            && int.TryParse(parts[0].AsSpan(1), System.Globalization.CultureInfo.InvariantCulture, out int client)
            && client is >= 0 and < Clients && bytes.AsSpan(IdBytes).SequenceEqual(_bodies[client].AsSpan(IdBytes));
        if (!intact)
        {
            failures.Enqueue($"{key}: read {bytes.Length:N0} bytes that no writer wrote (they begin '{id}')");
            return null;
        }
        return id;
    }
}
