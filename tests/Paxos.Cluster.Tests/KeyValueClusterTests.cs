using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using Paxos.Cluster.Tests.Harness;
using Paxos.Transport.V1;
using Xunit.Abstractions;

namespace Paxos.Cluster.Tests;

/// <summary>The replicated key-value service (CONTRACT.md section 1) against 5 real node processes.</summary>
public sealed class KeyValueClusterTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Election = TimeSpan.FromSeconds(15);
    private readonly LocalCluster _cluster = new(output);

    public void Dispose() => _cluster.Dispose();

    private static ByteString V(string s) => ByteString.CopyFromUtf8(s);

    private Task<PutResponse> PutAsync(int node, string key, string value, string clientId = "", ulong requestId = 0) =>
        _cluster.KeyValue(node).PutAsync(new PutRequest { Key = key, Value = V(value), ClientId = clientId, RequestId = requestId }, deadline: DateTime.UtcNow.AddSeconds(15)).ResponseAsync;

    private Task<GetResponse> GetAsync(int node, string key, ReadConsistency consistency = ReadConsistency.Linearizable) =>
        _cluster.KeyValue(node).GetAsync(new GetRequest { Key = key, Consistency = consistency }, deadline: DateTime.UtcNow.AddSeconds(15)).ResponseAsync;

    [Fact]
    public async Task A_leader_is_elected_from_a_cold_start_and_every_node_agrees_who_it_is()
    {
        await _cluster.StartAllAsync();
        await _cluster.WaitForLeaderAsync(Election);

        // On a loaded machine a first leader may be replaced before the others hear of it, so the
        // test waits for the cluster to settle: every node names the same leader, with its URL.
        var deadline = DateTime.UtcNow + Election;
        while (true)
        {
            var answers = new List<GetLeaderResponse>();
            for (int node = 0; node < 5; node++)
            {
                answers.Add(await _cluster.KeyValue(node).GetLeaderAsync(new GetLeaderRequest()));
            }
            int leader = _cluster.Config.Nodes.ToList().FindIndex(n => n.Id == answers[0].LeaderId);
            bool agreed = answers[0].Known && leader >= 0
                && answers.All(a => a.Known && a.LeaderId == answers[0].LeaderId
                    && a.LeaderUrl == _cluster.Config.Nodes[leader].Url.GetLeftPart(UriPartial.Authority));
            if (agreed)
            {
                Assert.Equal("leader", (await _cluster.StatusAsync(leader)).Role);
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"the nodes never agreed on a leader: {string.Join(", ", answers)}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Put_through_one_node_is_read_through_every_other()
    {
        await _cluster.StartAllAsync();
        var put = await PutAsync(1, "greeting", "hello");
        Assert.True(put.Index > 0);

        for (int node = 0; node < 5; node++)
        {
            var got = await GetAsync(node, "greeting");
            Assert.True(got.Found);
            Assert.Equal("hello", got.Value.ToStringUtf8());
            Assert.Equal(put.Index, got.Index);
        }
        var missing = await GetAsync(3, "nothing-here");
        Assert.False(missing.Found);
        Assert.Equal(0UL, missing.Index);
    }

    [Fact]
    public async Task Writes_through_followers_get_the_leaders_answers_with_the_index_each_was_chosen_at()
    {
        await _cluster.StartAllAsync();
        int leader = await _cluster.WaitForLeaderAsync(Election);

        // Concurrent writes share slots, so a command's index differs from its slot number.
        var puts = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            int node = (leader + 1 + (i % 4)) % 5; // followers only: every write is forwarded
            return (Key: $"f{i}", Response: await PutAsync(node, $"f{i}", $"v{i}"));
        }));

        Assert.Equal(puts.Length, puts.Select(p => p.Response.Index).Distinct().Count());
        foreach (var (key, response) in puts)
        {
            var got = await GetAsync(leader, key);
            Assert.Equal(response.Index, got.Index);
        }
        var cas = await _cluster.KeyValue((leader + 2) % 5).CompareAndSwapAsync(
            new CompareAndSwapRequest { Key = "f7", ExpectedValue = V("wrong"), NewValue = V("x") }, deadline: DateTime.UtcNow.AddSeconds(15));
        Assert.False(cas.Succeeded);
        Assert.True(cas.Found);
        Assert.Equal("v7", cas.CurrentValue.ToStringUtf8());
    }

    /// <summary>
    /// Follow-the-writes leader placement (LeaderPlacement): when nearly all writes come in through
    /// one follower, the leader hands its leadership to it. No write fails on the way, and each
    /// reads back, through another node, at the index it was answered with.
    /// </summary>
    [Fact]
    public async Task The_leadership_moves_to_the_node_that_all_writes_come_in_through()
    {
        await _cluster.StartAllAsync();
        int leader = await _cluster.WaitForLeaderAsync(Election);
        int writer = (leader + 2) % 5;

        var written = new ConcurrentBag<(string Key, ulong Index)>();
        var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        int moved = -1;
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (int i = 0; Volatile.Read(ref moved) < 0 && !stop.IsCancellationRequested; i++)
            {
                var response = await PutAsync(writer, $"w{w}-{i}", $"v{i}");
                written.Add(($"w{w}-{i}", response.Index));
            }
        })).ToList();
        while (!stop.IsCancellationRequested && (await _cluster.StatusAsync(writer)).Role != "leader")
        {
            await Task.Delay(100);
        }
        Volatile.Write(ref moved, writer);
        await Task.WhenAll(writers);

        Assert.False(stop.IsCancellationRequested, $"node {writer} did not become leader within 60 s of {written.Count} writes through it");
        Assert.Equal(written.Count, written.Select(w => w.Index).Distinct().Count());
        foreach (var (key, index) in written)
        {
            var got = await GetAsync(leader, key);
            Assert.True(got.Found, key);
            Assert.Equal(index, got.Index);
        }
    }

    /// <summary>
    /// A graceful stop is prompt: the node ends its peers' long-lived message streams when it starts
    /// stopping, instead of waiting for them until the host's shutdown timeout (about 20 s before).
    /// It exits with code 0, starts again on its data and serves the write made before the stop.
    /// </summary>
    [Fact]
    public async Task A_node_stopped_with_SIGTERM_exits_at_once_with_code_0_and_comes_back_with_its_data()
    {
        await _cluster.StartAllAsync();
        int leader = await _cluster.WaitForLeaderAsync(Election);
        int node = (leader + 1) % 5;
        var put = await PutAsync(node, "before-stop", "v");
        var process = _cluster.Process(node);

        process.Signal(Signals.SigTerm);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await process.WaitForExitAsync(timeout.Token);
        }

        Assert.Equal(0, process.ExitCode);
        await _cluster.StartAndWaitAsync(node);
        var got = await GetAsync(node, "before-stop");
        Assert.Equal("v", got.Value.ToStringUtf8());
        Assert.Equal(put.Index, got.Index);
    }

    /// <summary>
    /// Pre-vote: a follower down long enough for the leader's stream to it to back off to its
    /// longest retry delay (1 s) comes back and hears no leader for a while, so its election timer
    /// (0.5 to 1 s) runs out. It asks first; the others hear the leader and refuse; it follows the
    /// leader once the stream is back. No election: the leader keeps its ballot. (Run with
    /// <c>--pre-vote false</c>, the returning follower's phase 1 deposed the leader.)
    /// </summary>
    [Fact]
    public async Task A_follower_back_after_a_long_absence_rejoins_without_deposing_the_leader()
    {
        await _cluster.StartAllAsync();
        int leader = await WaitForSettledLeaderAsync();
        var before = await _cluster.StatusAsync(leader);
        Assert.Equal("leader", before.Role);
        int node = (leader + 1) % 5;
        _cluster.Kill(node);
        var put = await PutAsync(leader, "while-down", "v");
        await Task.Delay(TimeSpan.FromSeconds(6));

        await _cluster.StartAndWaitAsync(node);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        GetStatusResponse status;
        while ((status = await _cluster.StatusAsync(node)).AppliedIndex < put.Index || status.LeaderId != before.NodeId)
        {
            Assert.True(DateTime.UtcNow < deadline, $"node {node} did not catch up with leader {before.NodeId}: {status}");
            await Task.Delay(50);
        }
        await Task.Delay(TimeSpan.FromSeconds(3)); // a few more of its election timeouts
        var after = await _cluster.StatusAsync(leader);

        Assert.Equal("leader", after.Role);
        Assert.Equal(before.Ballot, after.Ballot);
        Assert.Equal(before.Ballot, (await _cluster.StatusAsync(node)).Ballot);
    }

    /// <summary>
    /// <c>paxos node --metrics-port</c>: every node serves Prometheus text at /metrics over HTTP/1.1,
    /// and the figures follow the cluster: one leader, every node applied the write, the node the
    /// write came in through timed it, fsyncs and snapshots (every 2 slots here) were timed, and a
    /// stopped peer shows as unreachable.
    /// </summary>
    [Fact]
    public async Task Every_node_serves_prometheus_metrics_that_follow_the_cluster()
    {
        int[] metricsPorts = FreePorts.Take(5);
        for (int node = 0; node < 5; node++)
        {
            _cluster.Start(node, arguments: ["--metrics-port", metricsPorts[node].ToString(System.Globalization.CultureInfo.InvariantCulture), "--snapshot-interval", "2"]);
        }
        for (int node = 0; node < 5; node++)
        {
            await _cluster.WaitListeningAsync(node);
        }
        await _cluster.WaitForLeaderAsync(Election);
        int entry = 2;
        await PutAsync(entry, "metered", "v");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        async Task<string> ScrapeAsync(int node) => await http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPorts[node]}/metrics"));

        // A cold start may elect twice; the scrapes are read once they agree on one leader.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        string[] texts;
        while (true)
        {
            texts = await Task.WhenAll(Enumerable.Range(0, 5).Select(ScrapeAsync));
            if (texts.All(t => Metric(t, "paxos_commands_applied_total") >= 1 && Metric(t, "paxos_has_leader") == 1 && Metric(t, "paxos_snapshots_taken_total") >= 1)
                && texts.Sum(t => Metric(t, "paxos_is_leader")) == 1)
            {
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, "the metrics never showed one leader, known to all, the write applied everywhere and a snapshot taken on every node");
            await Task.Delay(100);
        }

        Assert.Equal(1, Metric(texts[entry], "paxos_request_duration_seconds_count{method=\"put\"}"));
        Assert.All(texts, t => Assert.True(Metric(t, "paxos_wal_fsync_duration_seconds_count") >= 1));
        Assert.All(texts, t => Assert.True(Metric(t, "paxos_snapshot_duration_seconds_count") >= 1));
        Assert.All(texts, t => Assert.True(Metric(t, "paxos_snapshot_write_seconds_count") >= 1));
        Assert.All(texts, t => Assert.True(Metric(t, "paxos_commit_index") >= Metric(t, "paxos_applied_index")));
        Assert.All(texts, t => Assert.True(Metric(t, "process_cpu_seconds_total") > 0));
        int victim = (entry + 1) % 5;
        string reachable = $"paxos_peer_reachable{{peer=\"{_cluster.Config.Nodes[victim].Id}\"}}";
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (Metric(await ScrapeAsync(entry), reachable) != 1) // a stream that failed while the nodes started is retried within a second
        {
            Assert.True(DateTime.UtcNow < deadline, $"node {entry}'s metrics never showed node {victim} reachable");
            await Task.Delay(100);
        }

        _cluster.Kill(victim);
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (Metric(await ScrapeAsync(entry), reachable) != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"node {entry}'s metrics never showed node {victim} unreachable");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// The leader once every node names it: a cold start may elect twice (a node that heard of no
    /// leader yet can still be granted an election), but not once all five hear the same leader.
    /// </summary>
    private async Task<int> WaitForSettledLeaderAsync()
    {
        var deadline = DateTime.UtcNow + Election;
        while (true)
        {
            int leader = await _cluster.WaitForLeaderAsync(Election);
            var statuses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_cluster.StatusAsync));
            if (statuses.All(s => s.LeaderId == _cluster.Config.Nodes[leader].Id) && statuses[leader].Role == "leader")
            {
                return leader;
            }
            Assert.True(DateTime.UtcNow < deadline, $"the nodes never agreed on a leader: {string.Join(", ", statuses.Select(s => s.LeaderId))}");
            await Task.Delay(50);
        }
    }

    /// <summary>The value of the sample named <paramref name="sample"/> (with its labels) in Prometheus text; fails if absent.</summary>
    private static double Metric(string text, string sample)
    {
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith(sample + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(sample.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        Assert.Fail($"no sample {sample} in the metrics");
        return 0;
    }

    [Fact]
    public async Task CompareAndSwap_and_Delete_follow_the_contract()
    {
        await _cluster.StartAllAsync();
        var kv = _cluster.KeyValue(2);
        var absent = await kv.CompareAndSwapAsync(new CompareAndSwapRequest { Key = "lock", ExpectAbsent = true, NewValue = V("a") });
        Assert.True(absent.Succeeded);
        var again = await kv.CompareAndSwapAsync(new CompareAndSwapRequest { Key = "lock", ExpectAbsent = true, NewValue = V("b") });
        Assert.False(again.Succeeded);
        Assert.True(again.Found);
        Assert.Equal("a", again.CurrentValue.ToStringUtf8());
        var mismatch = await kv.CompareAndSwapAsync(new CompareAndSwapRequest { Key = "lock", ExpectedValue = V("x"), NewValue = V("c") });
        Assert.False(mismatch.Succeeded);
        Assert.Equal("a", mismatch.CurrentValue.ToStringUtf8());
        var match = await kv.CompareAndSwapAsync(new CompareAndSwapRequest { Key = "lock", ExpectedValue = V("a"), NewValue = V("c") });
        Assert.True(match.Succeeded);
        Assert.True(match.Index > absent.Index);
        Assert.Equal("c", (await GetAsync(4, "lock")).Value.ToStringUtf8());

        var deleted = await kv.DeleteAsync(new DeleteRequest { Key = "lock" });
        Assert.True(deleted.Existed);
        Assert.True(deleted.Index > match.Index);
        Assert.False((await GetAsync(0, "lock")).Found);
        Assert.False((await kv.DeleteAsync(new DeleteRequest { Key = "lock" })).Existed);
        var onDeleted = await kv.CompareAndSwapAsync(new CompareAndSwapRequest { Key = "lock", ExpectedValue = V("c"), NewValue = V("d") });
        Assert.False(onDeleted.Succeeded);
        Assert.False(onDeleted.Found);
    }

    [Fact]
    public async Task A_retried_write_with_the_same_ids_is_applied_once_and_gets_the_first_result()
    {
        await _cluster.StartAllAsync();
        var first = await PutAsync(0, "counter", "1", "client-a", 7);
        await PutAsync(1, "other", "x");
        var retry = await PutAsync(3, "counter", "1", "client-a", 7);
        Assert.Equal(first.Index, retry.Index);
        Assert.Equal(first.Index, (await GetAsync(2, "counter")).Index);

        var casFirst = await _cluster.KeyValue(1).CompareAndSwapAsync(new CompareAndSwapRequest { Key = "counter", ExpectedValue = V("1"), NewValue = V("2"), ClientId = "client-a", RequestId = 8 });
        var casRetry = await _cluster.KeyValue(4).CompareAndSwapAsync(new CompareAndSwapRequest { Key = "counter", ExpectedValue = V("1"), NewValue = V("2"), ClientId = "client-a", RequestId = 8 });
        Assert.True(casFirst.Succeeded);
        Assert.True(casRetry.Succeeded); // the first result, although "1" is no longer the value
        Assert.Equal(casFirst.Index, casRetry.Index);
        Assert.Equal("2", (await GetAsync(0, "counter")).Value.ToStringUtf8());
    }

    [Fact]
    public async Task A_thousand_writes_are_applied_in_the_same_order_on_all_five_nodes()
    {
        await _cluster.StartAllAsync();
        var acknowledged = new ConcurrentDictionary<string, ulong>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            var reply = await PutAsync(i % 5, $"key-{i % 200}", $"value-{i}", $"writer-{i}", 1);
            acknowledged[$"{i}"] = reply.Index;
        });
        Assert.Equal(1000, acknowledged.Values.Distinct().Count()); // every write has its own index

        int leader = await _cluster.WaitForLeaderAsync(Election);
        ulong commit = (await _cluster.StatusAsync(leader)).CommitIndex;
        var states = new List<string>();
        for (int node = 0; node < 5; node++)
        {
            await EventuallyAppliedAsync(node, commit);
            var snapshot = new List<string>();
            for (int k = 0; k < 200; k++)
            {
                var got = await GetAsync(node, $"key-{k}", ReadConsistency.Serializable);
                snapshot.Add($"{k}={got.Value.ToStringUtf8()}@{got.Index}");
            }
            states.Add(string.Join(",", snapshot));
        }
        Assert.Single(states.Distinct());
    }

    [Fact]
    public async Task The_leader_killed_mid_stream_is_replaced_within_seconds_and_no_acknowledged_write_is_lost()
    {
        await _cluster.StartAllAsync();
        int leader = await _cluster.WaitForLeaderAsync(Election);
        int entry = (leader + 1) % 5;
        var acknowledged = new ConcurrentDictionary<string, string>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                string key = $"w{w}-{i}";
                try
                {
                    await PutAsync((entry + (w % 2)) % 5 == leader ? entry : (entry + (w % 2)) % 5, key, key);
                    acknowledged[key] = key;
                }
                catch (RpcException e) when (LocalCluster.IsUnavailable(e))
                {
                    // no quorum in time (the leader is gone): unknown outcome, not counted as acknowledged;
                    // any other status (INTERNAL, UNKNOWN, ...) fails the test
                }
            }
        })).ToList();
        await Task.Delay(1000);
        _cluster.Kill(leader);
        var killedAt = DateTime.UtcNow;
        int newLeader = await _cluster.WaitForLeaderAsync(Election, new HashSet<int> { leader });
        var electedAfter = DateTime.UtcNow - killedAt;
        int before = acknowledged.Count;
        await Task.Delay(1500);
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        output.WriteLine($"new leader node {newLeader} after {electedAfter.TotalMilliseconds:F0} ms; {acknowledged.Count} writes acknowledged ({acknowledged.Count - before} after the kill)");

        Assert.NotEqual(leader, newLeader);
        Assert.True(electedAfter < TimeSpan.FromSeconds(5), $"election took {electedAfter}");
        Assert.True(acknowledged.Count > before, "writes continue through the new leader");
        foreach (var key in acknowledged.Keys)
        {
            var got = await GetAsync(entry, key);
            Assert.True(got.Found, $"acknowledged write {key} lost");
        }
    }

    [Fact]
    public async Task With_a_majority_down_calls_through_the_others_end_unavailable_or_past_their_deadline_never_unknown()
    {
        // A call whose deadline ran out while its node waited for a leader used to escape as
        // UNKNOWN ("Exception was thrown by handler"): the wait sat inside a catch block.
        await _cluster.StartAllAsync();
        await PutAsync(0, "before", "v");
        for (int node = 2; node < 5; node++)
        {
            _cluster.Kill(node);
        }
        for (int attempt = 0; attempt < 6; attempt++)
        {
            int node = attempt % 2;
            var deadline = DateTime.UtcNow.AddMilliseconds(300 + (attempt * 200));
            var put = await Assert.ThrowsAsync<RpcException>(() => _cluster.KeyValue(node).PutAsync(new PutRequest { Key = "k", Value = V("v") }, deadline: deadline).ResponseAsync);
            Assert.True(put.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded, $"put through node {node}: {put.Status}");
            var get = await Assert.ThrowsAsync<RpcException>(() => _cluster.KeyValue(node).GetAsync(new GetRequest { Key = "before" }, deadline: deadline).ResponseAsync);
            Assert.True(get.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded, $"get through node {node}: {get.Status}");
        }
        for (int node = 2; node < 5; node++)
        {
            await _cluster.StartAndWaitAsync(node);
        }
        Assert.Equal("v", (await GetAsync(3, "before")).Value.ToStringUtf8());
    }

    [Fact]
    public async Task All_five_killed_and_restarted_keep_every_acknowledged_write()
    {
        await _cluster.StartAllAsync();
        var acknowledged = new List<(string Key, ulong Index)>();
        for (int i = 0; i < 100; i++)
        {
            acknowledged.Add(($"k{i}", (await PutAsync(i % 5, $"k{i}", $"v{i}")).Index));
        }
        for (int node = 0; node < 5; node++)
        {
            _cluster.Kill(node);
        }
        await _cluster.StartAllAsync();
        foreach (var (key, index) in acknowledged)
        {
            var got = await GetAsync(int.Parse(key[1..], System.Globalization.CultureInfo.InvariantCulture) % 5, key);
            Assert.True(got.Found, $"{key} lost");
            Assert.Equal($"v{key[1..]}", got.Value.ToStringUtf8());
            Assert.Equal(index, got.Index);
        }
        Assert.True((await PutAsync(0, "after-restart", "ok")).Index > acknowledged.Max(a => a.Index));
    }

    [Fact]
    public async Task A_node_down_for_ten_thousand_writes_catches_up()
    {
        await _cluster.StartAllAsync();
        int leader = await _cluster.WaitForLeaderAsync(Election);
        int lagging = (leader + 2) % 5;
        _cluster.Kill(lagging);
        await Parallel.ForEachAsync(Enumerable.Range(0, 10_000), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
            await PutAsync(leader, $"bulk-{i % 1000}", $"{i}"));
        ulong commit = (await _cluster.StatusAsync(leader)).CommitIndex;

        await _cluster.StartAndWaitAsync(lagging);
        await EventuallyAppliedAsync(lagging, commit, TimeSpan.FromSeconds(60));

        for (int k = 0; k < 1000; k += 97)
        {
            var local = await GetAsync(lagging, $"bulk-{k}", ReadConsistency.Serializable);
            var reference = await GetAsync(leader, $"bulk-{k}", ReadConsistency.Serializable);
            Assert.Equal(reference.Value, local.Value);
            Assert.Equal(reference.Index, local.Index);
        }
    }

    [Fact]
    public async Task A_leader_paused_past_any_lease_never_serves_a_stale_read_when_it_wakes()
    {
        await _cluster.StartAllAsync();
        int old = await _cluster.WaitForLeaderAsync(Election);
        await PutAsync(old, "x", "old");
        Assert.Equal("old", (await GetAsync(old, "x")).Value.ToStringUtf8());

        _cluster.Process(old).Signal(Signals.SigStop);
        try
        {
            int successor = await _cluster.WaitForLeaderAsync(Election, new HashSet<int> { old });
            await PutAsync(successor, "x", "new");
        }
        finally
        {
            _cluster.Process(old).Signal(Signals.SigCont);
        }

        // The old leader still believes it leads when it wakes; its read must not return "old".
        var reads = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => GetAsync(old, "x")));
        Assert.All(reads, r => Assert.Equal("new", r.Value.ToStringUtf8()));
    }

    [Fact]
    public async Task A_node_whose_needed_entries_were_compacted_away_gets_a_snapshot_then_the_tail()
    {
        _cluster.NodeArguments = ["--snapshot-interval", "50"];
        await _cluster.StartAllAsync();
        int leader = await _cluster.WaitForLeaderAsync(Election);
        int lagging = (leader + 1) % 5;
        await PutAsync(leader, "early", "before");
        _cluster.Kill(lagging);
        for (int i = 0; i < 400; i++)
        {
            await PutAsync(leader, $"s-{i % 40}", $"{i}");
        }
        var leaderStatus = await _cluster.StatusAsync(leader);
        Assert.True(leaderStatus.SnapshotIndex >= 100, $"the leader compacted its log only up to {leaderStatus.SnapshotIndex}");

        await _cluster.StartAndWaitAsync(lagging);
        await PutAsync(leader, "tail", "after");
        await EventuallyAppliedAsync(lagging, (await _cluster.StatusAsync(leader)).CommitIndex, TimeSpan.FromSeconds(30));

        // The node's log lines reach this process through its console logger's queue and a pipe,
        // after the status that says it applied: wait for the line rather than race it.
        var logged = DateTime.UtcNow.AddSeconds(10);
        while (!_cluster.Process(lagging).Output.Contains("installed the leader's snapshot", StringComparison.Ordinal) && DateTime.UtcNow < logged)
        {
            await Task.Delay(50);
        }
        Assert.Contains("installed the leader's snapshot", _cluster.Process(lagging).Output, StringComparison.Ordinal);
        foreach (string key in new[] { "early", "tail", "s-0", "s-39" })
        {
            var local = await GetAsync(lagging, key, ReadConsistency.Serializable);
            var reference = await GetAsync(leader, key, ReadConsistency.Serializable);
            Assert.True(local.Found, key);
            Assert.Equal(reference.Value, local.Value);
            Assert.Equal(reference.Index, local.Index);
        }

        // And after a restart it comes back from its own snapshot plus log.
        _cluster.Kill(lagging);
        await _cluster.StartAndWaitAsync(lagging);
        Assert.Equal("after", (await GetAsync(lagging, "tail", ReadConsistency.Serializable)).Value.ToStringUtf8());
    }

    private async Task EventuallyAppliedAsync(int node, ulong slot, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var status = await _cluster.StatusAsync(node);
            if (status.AppliedIndex >= slot)
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"node {node} applied only up to {status.AppliedIndex} of {slot}");
            await Task.Delay(100);
        }
    }
}
