extern alias client;

using System.Diagnostics;
using client::Paxos.Client;
using Grpc.Core;
using V1 = client::Paxos.Transport.V1;

namespace Paxos.Client.Tests;

/// <summary>The client's routing, retries and errors against a <see cref="ScriptedCluster"/>: no nodes, no network.</summary>
public sealed class RetryTests
{
    private static readonly Uri[] Nodes = [new("http://node-a:7000"), new("http://node-b:7000"), new("http://node-c:7000")];

    private static PaxosClient Client(ScriptedCluster cluster, TimeSpan? timeout = null) => new(new PaxosClientOptions
    {
        Endpoints = Nodes,
        Timeout = timeout ?? TimeSpan.FromSeconds(10),
        InitialBackoff = TimeSpan.FromMilliseconds(1),
        MaxBackoff = TimeSpan.FromMilliseconds(20),
    }, cluster.Connect);

    private static PaxosClient RoundRobinClient(ScriptedCluster cluster) => new(new PaxosClientOptions
    {
        Endpoints = Nodes,
        EndpointSelection = EndpointSelection.RoundRobin,
        InitialBackoff = TimeSpan.FromMilliseconds(1),
        MaxBackoff = TimeSpan.FromMilliseconds(20),
    }, cluster.Connect);

    private static Task<object> NoLeaderKnown() => Task.FromResult<object>(new V1.GetLeaderResponse { Known = false });

    private static Task<object> Leader(int node) =>
        Task.FromResult<object>(new V1.GetLeaderResponse { Known = true, LeaderId = $"node-{node}", LeaderUrl = Nodes[node].GetLeftPart(UriPartial.Authority) });

    private static Task<object> Put(ulong index) => Task.FromResult<object>(new V1.PutResponse { Index = index });

    [Fact]
    public async Task A_write_that_failed_without_an_answer_is_retried_at_another_node_with_the_same_client_and_request_id()
    {
        var cluster = new ScriptedCluster
        {
            Answer = (call, _) => call.Method switch
            {
                "GetLeader" => NoLeaderKnown(),
                "Put" when call.Endpoint == Nodes[0] => throw ScriptedCluster.Error(StatusCode.Unavailable, "no quorum: the write did not complete before the deadline"),
                "Put" => Put(7),
                _ => throw new InvalidOperationException(call.Method),
            },
        };
        await using var client = Client(cluster);

        var result = await client.PutAsync("k", "v");

        Assert.Equal(7UL, result.Index);
        var puts = cluster.CallsOf("Put").Select(c => (c.Endpoint, Request: (V1.PutRequest)c.Request)).ToList();
        Assert.Equal(2, puts.Count);
        Assert.Equal(Nodes[0], puts[0].Endpoint);
        Assert.NotEqual(Nodes[0], puts[1].Endpoint);
        Assert.Equal(client.ClientId, puts[0].Request.ClientId);
        Assert.False(string.IsNullOrEmpty(puts[0].Request.ClientId));
        Assert.Equal(puts[0].Request.ClientId, puts[1].Request.ClientId);
        Assert.Equal(puts[0].Request.RequestId, puts[1].Request.RequestId);
        Assert.Equal("v", puts[1].Request.Value.ToStringUtf8());
    }

    [Fact]
    public async Task Successive_writes_get_growing_request_ids_and_concurrent_writes_distinct_client_ids()
    {
        var hold = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
        var cluster = new ScriptedCluster
        {
            Answer = (call, _) => call.Method switch
            {
                "GetLeader" => Leader(1),
                "Put" when ((V1.PutRequest)call.Request).Key == "held" => hold.Task,
                "Put" => Put(1),
                "Delete" => Task.FromResult<object>(new V1.DeleteResponse { Existed = true, Index = 2 }),
                "CompareAndSwap" => Task.FromResult<object>(new V1.CompareAndSwapResponse { Succeeded = true, Index = 3 }),
                _ => throw new InvalidOperationException(call.Method),
            },
        };
        await using var client = Client(cluster);

        await client.PutAsync("a", "1");
        await client.DeleteAsync("a");
        await client.CompareAndSwapAsync("a", null, "2"u8.ToArray());
        var sequential = cluster.Calls.Where(c => c.Method != "GetLeader").Select(c => c.Request switch
        {
            V1.PutRequest put => (put.ClientId, put.RequestId),
            V1.DeleteRequest delete => (delete.ClientId, delete.RequestId),
            V1.CompareAndSwapRequest cas => (cas.ClientId, cas.RequestId),
            _ => throw new InvalidOperationException(),
        }).ToList();
        Assert.Equal(new[] { (client.ClientId, 1UL), (client.ClientId, 2UL), (client.ClientId, 3UL) }, sequential);

        // The cluster keeps one request per client id in order, so a write in flight makes the next one use another id.
        var held = client.PutAsync("held", "x");
        await client.PutAsync("b", "y");
        hold.SetResult(new V1.PutResponse { Index = 5 });
        Assert.Equal(5UL, (await held).Index);
        var ids = cluster.CallsOf("Put").Select(c => (V1.PutRequest)c.Request).Where(r => r.Key is "held" or "b").ToDictionary(r => r.Key, r => (r.ClientId, r.RequestId));
        Assert.Equal((client.ClientId, 4UL), ids["held"]);
        Assert.Equal((client.ClientId + "/1", 1UL), ids["b"]);
    }

    [Fact]
    public async Task Writes_and_linearizable_reads_go_to_the_leader_a_node_names_and_elsewhere_once_it_fails()
    {
        bool leaderDown = false;
        var cluster = new ScriptedCluster
        {
            Answer = (call, _) => call.Method switch
            {
                "GetLeader" => Leader(2),
                "Put" when leaderDown && call.Endpoint == Nodes[2] => throw ScriptedCluster.Error(StatusCode.Unavailable, "Error connecting to subchannel."),
                "Put" => Put(1),
                "Get" => Task.FromResult<object>(new V1.GetResponse { Found = false }),
                _ => throw new InvalidOperationException(call.Method),
            },
        };
        await using var client = Client(cluster);

        await client.PutAsync("k", "v");
        await client.GetAsync("k");
        Assert.Equal(Nodes[2], cluster.CallsOf("Put").Single().Endpoint);
        Assert.Equal(Nodes[2], cluster.CallsOf("Get").Single().Endpoint);
        Assert.Single(cluster.CallsOf("GetLeader"));

        leaderDown = true;
        await client.PutAsync("k", "w");
        var puts = cluster.CallsOf("Put");
        Assert.Equal(Nodes[2], puts[1].Endpoint);
        Assert.NotEqual(Nodes[2], puts[^1].Endpoint);
    }

    [Fact]
    public async Task Round_robin_sends_each_call_to_the_next_endpoint_in_turn_and_never_asks_for_the_leader()
    {
        var cluster = new ScriptedCluster
        {
            Answer = (call, _) => call.Method switch
            {
                "GetLeader" => Leader(2),
                "Put" when call.Endpoint == Nodes[1] => throw ScriptedCluster.Error(StatusCode.Unavailable, "Error connecting to subchannel."),
                "Put" => Put(1),
                "Get" => Task.FromResult<object>(new V1.GetResponse { Found = false }),
                _ => throw new InvalidOperationException(call.Method),
            },
        };
        await using var client = RoundRobinClient(cluster);

        for (int i = 0; i < 6; i++)
        {
            await client.GetAsync("k");
        }
        await client.PutAsync("k", "v"); // its turn is node 0
        await client.PutAsync("k", "w"); // node 1 is down: on to node 2

        Assert.Equal([Nodes[0], Nodes[1], Nodes[2], Nodes[0], Nodes[1], Nodes[2]], cluster.CallsOf("Get").Select(c => c.Endpoint));
        Assert.Equal([Nodes[0], Nodes[1], Nodes[2]], cluster.CallsOf("Put").Select(c => c.Endpoint));
        Assert.Empty(cluster.CallsOf("GetLeader"));
    }

    [Fact]
    public async Task Round_robin_sends_keep_alives_to_the_leader_and_elsewhere_once_it_fails()
    {
        bool leaderDown = false;
        var cluster = new ScriptedCluster
        {
            Answer = (call, _) => call.Method switch
            {
                "GetLeader" => Leader(2),
                "KeepAlive" when leaderDown && call.Endpoint == Nodes[2] => throw ScriptedCluster.Error(StatusCode.Unavailable, "Error connecting to subchannel."),
                "KeepAlive" => Task.FromResult<object>(new V1.LeaseKeepAliveResponse { Found = true, TtlMs = 5_000 }),
                _ => throw new InvalidOperationException(call.Method),
            },
        };
        await using var client = RoundRobinClient(cluster);

        for (int i = 0; i < 4; i++)
        {
            Assert.True((await client.KeepLeaseAliveAsync(9)).Found);
        }
        Assert.All(cluster.CallsOf("KeepAlive"), c => Assert.Equal(Nodes[2], c.Endpoint));
        Assert.Single(cluster.CallsOf("GetLeader"));

        leaderDown = true;
        Assert.True((await client.KeepLeaseAliveAsync(9)).Found);
        Assert.NotEqual(Nodes[2], cluster.CallsOf("KeepAlive")[^1].Endpoint);
    }

    [Fact]
    public async Task Failing_fast_a_call_that_reaches_no_node_fails_after_one_try_of_each_endpoint_not_at_the_deadline()
    {
        var cluster = new ScriptedCluster
        {
            Answer = (call, _) => throw ScriptedCluster.Error(StatusCode.Unavailable, "Error connecting to subchannel."),
        };
        await using var client = new PaxosClient(new PaxosClientOptions
        {
            Endpoints = Nodes,
            FailFastWhenUnreachable = true,
            Timeout = TimeSpan.FromSeconds(25),
            InitialBackoff = TimeSpan.FromMilliseconds(1),
            MaxBackoff = TimeSpan.FromMilliseconds(20),
        }, cluster.Connect);
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAsync<PaxosNoQuorumException>(() => client.PutAsync("k", "v"));
        await Assert.ThrowsAsync<PaxosNoQuorumException>(async () =>
        {
            await foreach (var change in client.WatchAsync("k"))
            {
                Assert.Fail($"no node answers, yet {change} came");
            }
        });

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(20));
        Assert.Equal(Nodes.Length, cluster.CallsOf("Put").Count);
        Assert.Equal(Nodes.ToHashSet(), cluster.CallsOf("Put").Select(c => c.Endpoint).ToHashSet());
        Assert.Equal(Nodes.Length, cluster.CallsOf("Watch").Count);
    }

    [Fact]
    public async Task A_write_sent_and_never_confirmed_until_the_deadline_has_an_unknown_outcome()
    {
        var cluster = new ScriptedCluster
        {
            Answer = (call, _) => call.Method switch
            {
                "GetLeader" => NoLeaderKnown(),
                _ => throw ScriptedCluster.Error(StatusCode.Unavailable, "no quorum"),
            },
        };
        await using var client = Client(cluster);
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<PaxosOutcomeUnknownException>(() => client.PutAsync("k", "v", TimeSpan.FromSeconds(1)));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(6));
        Assert.True(cluster.CallsOf("Put").Count >= 2, $"{cluster.CallsOf("Put").Count} attempts");
        Assert.Contains(client.ClientId, e.Message, StringComparison.Ordinal);
        Assert.IsType<RpcException>(e.InnerException);
        // A read that fails the same way is just unavailable: nothing to be unknown about.
        await Assert.ThrowsAsync<PaxosNoQuorumException>(() => client.GetAsync("k", timeout: TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public async Task A_write_that_never_reached_a_node_fails_as_no_quorum_not_as_unknown()
    {
        var cluster = new ScriptedCluster
        {
            Answer = (call, _) => throw ScriptedCluster.Error(StatusCode.Unavailable, "Error connecting to subchannel."),
        };
        await using var client = Client(cluster);

        await Assert.ThrowsAsync<PaxosNoQuorumException>(() => client.PutAsync("k", "v", TimeSpan.FromMilliseconds(200)));
        Assert.Equal(Nodes.ToHashSet(), cluster.CallsOf("Put").Select(c => c.Endpoint).ToHashSet());
    }

    [Fact]
    public async Task An_invalid_argument_is_not_retried_and_is_an_argument_exception()
    {
        var cluster = new ScriptedCluster
        {
            Answer = (call, _) => call.Method switch
            {
                "GetLeader" => Leader(0),
                _ => throw ScriptedCluster.Error(StatusCode.InvalidArgument, "value is 2000000 bytes; the limit is 1048576 (1 MiB)"),
            },
        };
        await using var client = Client(cluster);

        var e = await Assert.ThrowsAsync<PaxosInvalidArgumentException>(() => client.PutAsync("k", "v"));

        Assert.Contains("1 MiB", e.Message, StringComparison.Ordinal);
        Assert.Single(cluster.CallsOf("Put"));
        await Assert.ThrowsAsync<ArgumentException>(() => client.PutAsync("", "v"));
        Assert.Single(cluster.CallsOf("Put"));
    }

    [Fact]
    public async Task Every_attempt_has_a_deadline_within_the_attempt_timeout_and_cancellation_stops_the_retries()
    {
        var attempts = new List<(DateTime Sent, DateTime? Deadline)>();
        var cluster = new ScriptedCluster
        {
            Answer = (call, options) =>
            {
                lock (attempts)
                {
                    attempts.Add((DateTime.UtcNow, options.Deadline));
                }
                return call.Method == "GetLeader" ? NoLeaderKnown() : throw ScriptedCluster.Error(StatusCode.Unavailable, "no quorum");
            },
        };
        await using var client = Client(cluster);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.PutAsync("k", "v", TimeSpan.FromSeconds(30), cancel.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.NotEmpty(attempts);
        // The attempt timeout is 5 s by default: a hung node holds a call up that long, not the whole 30 s.
        Assert.All(attempts, a => Assert.InRange(a.Deadline ?? DateTime.MaxValue, a.Sent, a.Sent + TimeSpan.FromSeconds(5.1)));
    }

    [Fact]
    public async Task A_channel_is_opened_per_endpoint_on_first_use_reused_and_closed_on_dispose()
    {
        var cluster = new ScriptedCluster
        {
            Answer = (call, _) => call.Method switch
            {
                "GetLeader" => Leader(1),
                "Put" => Put(1),
                "Get" => Task.FromResult<object>(new V1.GetResponse { Found = false }),
                _ => throw new InvalidOperationException(call.Method),
            },
        };
        var client = Client(cluster);
        Assert.Empty(cluster.Opened);

        for (int i = 0; i < 5; i++)
        {
            await client.PutAsync("k", "v");
            await client.GetAsync("k");
        }
        // Node 0 was asked who leads, node 1 got every write and read.
        Assert.Equal(new[] { Nodes[0], Nodes[1] }, cluster.Opened);
        Assert.Empty(cluster.Closed);

        await client.DisposeAsync();
        Assert.Equal(new[] { Nodes[0], Nodes[1] }, cluster.Closed);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.GetAsync("k"));
        await client.DisposeAsync();
        Assert.Equal(2, cluster.Closed.Count);
    }

    [Fact]
    public void The_pause_between_attempts_doubles_from_the_initial_one_up_to_the_bound_and_jitter_takes_at_most_half()
    {
        var none = new RetryBackoff(TimeSpan.FromMilliseconds(25), TimeSpan.FromSeconds(1), () => 0);
        Assert.Equal(new double[] { 25, 50, 100, 200, 400, 800, 1000, 1000 }, Enumerable.Range(1, 8).Select(r => none.Delay(r).TotalMilliseconds));
        Assert.Equal(TimeSpan.FromSeconds(1), none.Delay(int.MaxValue));

        var most = new RetryBackoff(TimeSpan.FromMilliseconds(25), TimeSpan.FromSeconds(1), () => 1);
        Assert.Equal(TimeSpan.FromMilliseconds(12.5), most.Delay(1));
        Assert.Equal(TimeSpan.FromMilliseconds(500), most.Delay(20));
    }
}
