using Grpc.Core;
using Paxos.Checking;
using Paxos.Cluster.Tests.Chaos;
using Paxos.Cluster.Tests.Harness;
using Paxos.Cluster.Tests.MembershipChanges;
using Paxos.Node.Hosting;
using Paxos.Transport.V1;
using Xunit.Abstractions;

namespace Paxos.Cluster.Tests;

/// <summary>
/// Jepsen-style tests on real processes: concurrent clients against 5 <c>paxos node</c> processes
/// while nodes are killed, paused, cut off and restarted, and the recorded history checked for
/// linearizability (Txns and lease ends included), and watches of every key compared with the
/// acknowledged changes and the final state. The default run is short; PAXOS_CHAOS_SECONDS and PAXOS_CHAOS_SEED make a
/// longer one (see README, "Chaos tests").
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output) : IDisposable
{
    private readonly LocalCluster _cluster = new(output, proxies: true);

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task Five_nodes_under_kills_pauses_partitions_and_restarts_stay_linearizable_and_converge()
    {
        var settings = ChaosSettings.FromEnvironment(TimeSpan.FromSeconds(40));
        output.WriteLine($"chaos: {settings}");
        // A snapshot every 50 slots: compaction, and nodes that come back behind a snapshot, happen
        // many times within the run too.
        _cluster.NodeArguments = ["--snapshot-interval", "50"];
        await _cluster.StartAllAsync();
        await _cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30));

        var run = await ChaosRun.ExecuteAsync(_cluster, settings, faults: true, Log);
        output.WriteLine(run.Describe());

        _cluster.AssertNoNodeExitedByItself();
        Assert.True(run.Failures.Count == 0, $"{run.Failures.Count} calls failed with a status the contract does not allow:\n{string.Join("\n", run.Failures.Take(20))}");
        Assert.True(run.Result.IsLinearizable, run.Result.Explanation);
        var notRun = run.EpisodesRun.Where(e => e.Value == 0).Select(e => e.Key).ToList();
        Assert.True(notRun.Count == 0, $"these kinds of episode never ran as intended: {string.Join(", ", notRun)}");
        var impossible = run.WritesAcknowledgedWithoutMajority;
        Assert.True(impossible.Count == 0, $"writes acknowledged while a majority was down ({string.Join(", ", run.MajorityDown.Select(d => $"{d.From.TotalSeconds:0.000}..{d.To.TotalSeconds:0.000} s"))}):\n{string.Join("\n", impossible.Take(20))}");
        Assert.True(run.KnownWrites >= 100 && run.KnownReads >= 100, $"too little progress: {run.KnownWrites} writes and {run.KnownReads} reads answered");
        Assert.True(run.WatchProblems.Count == 0, $"the watches did not report the chosen changes:\n{string.Join("\n", run.WatchProblems.Take(20))}");
        Assert.True(run.Known(KvOperationKind.Txn) > 0 && run.Known(KvOperationKind.LeaseGrant) > 0 && run.Known(KvOperationKind.LeaseKeepAlive) > 0,
            "no Txn, lease grant or keep-alive was answered");
        await AssertReplicasConvergeAsync(_cluster, run.Members, run.FinalValues);
    }

    [Fact]
    [Trait("Category", "Membership")]
    public async Task Five_nodes_under_faults_and_node_replacements_stay_linearizable_and_converge()
    {
        var settings = ChaosSettings.FromEnvironment(TimeSpan.FromSeconds(60));
        output.WriteLine($"chaos with membership changes: {settings}");
        // Spare nodes for the replacements: about one per 30 s of faults.
        using var membership = new MembershipCluster(output, founders: 5, capacity: 5 + Math.Max(2, (int)(settings.Duration.TotalSeconds / 30) + 1), proxies: true);
        membership.Nodes.NodeArguments = ["--snapshot-interval", "50"];
        await membership.FoundAsync();

        var run = await ChaosRun.ExecuteAsync(membership.Nodes, settings, faults: true, Log, membership);
        output.WriteLine(run.Describe());

        membership.Nodes.AssertNoNodeExitedByItself();
        Assert.True(run.Failures.Count == 0, $"{run.Failures.Count} calls failed with a status the contract does not allow:\n{string.Join("\n", run.Failures.Take(20))}");
        Assert.True(run.Result.IsLinearizable, run.Result.Explanation);
        var notRun = run.EpisodesRun.Where(e => e.Value == 0).Select(e => e.Key).ToList();
        Assert.True(notRun.Count == 0, $"these kinds of episode never ran as intended: {string.Join(", ", notRun)}");
        Assert.True(run.WritesAcknowledgedWithoutMajority.Count == 0, $"writes acknowledged while a majority was down:\n{string.Join("\n", run.WritesAcknowledgedWithoutMajority.Take(20))}");
        var (voters, _) = await membership.MembersAsync();
        Assert.Equal(run.Members.Select(MembershipCluster.Id).Order(StringComparer.Ordinal), voters);
        await AssertReplicasConvergeAsync(membership.Nodes, run.Members, run.FinalValues);
    }

    [Fact]
    public async Task The_chaos_check_catches_nodes_that_answer_linearizable_gets_from_their_own_replica()
    {
        // The planted bug: every node serves linearizable gets without a read index, so a client
        // can read an older value through a follower after its write through another node completed.
        for (int node = 0; node < _cluster.Size; node++)
        {
            _cluster.Start(node, failpoints: "stale-reads");
        }
        for (int node = 0; node < _cluster.Size; node++)
        {
            await _cluster.WaitListeningAsync(node);
        }
        await _cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(30));

        var settings = new ChaosSettings(TimeSpan.FromSeconds(8), Seed: 1, Clients: 4, Keys: 4);
        var run = await ChaosRun.ExecuteAsync(_cluster, settings, faults: false, Log);
        output.WriteLine(run.Describe());

        // This test proves that the linearizability check bites; the calls that failed in a way the
        // contract does not allow are the first test's to fail on, and are only shown here.
        output.WriteLine($"{run.Failures.Count} calls failed with a status the contract does not allow{string.Concat(run.Failures.Select(f => "\n" + f))}");
        Assert.Equal(LinearizabilityVerdict.NotLinearizable, run.Result.Verdict);
        output.WriteLine(run.Result.Explanation);
    }

    /// <summary>
    /// A serializable get from <paramref name="node"/>'s replica, retried until <paramref name="deadline"/>
    /// while the call finds no connection: a channel may still hold a connection to a process the
    /// faults killed, and its reset surfaces only on the next call.
    /// </summary>
    private static async Task<GetResponse> SerializableGetAsync(LocalCluster cluster, int node, string key, DateTime deadline)
    {
        while (true)
        {
            try
            {
                return await cluster.KeyValue(node).GetAsync(new GetRequest { Key = key, Consistency = ReadConsistency.Serializable }, deadline: DateTime.UtcNow.AddSeconds(5));
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Once every member has applied all that was chosen, each one's replica holds the final values.</summary>
    private static async Task AssertReplicasConvergeAsync(LocalCluster cluster, IReadOnlyList<int> members, IReadOnlyDictionary<string, string?> finalValues)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var statuses = new List<GetStatusResponse>();
            try
            {
                foreach (int node in members)
                {
                    statuses.Add(await cluster.StatusAsync(node));
                }
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100); // a node the last fault restarted may still be starting
                continue;
            }
            ulong commit = statuses.Max(s => s.CommitIndex);
            if (statuses.All(s => s.AppliedIndex == commit))
            {
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, $"replicas did not catch up: applied {string.Join(", ", statuses.Select(s => s.AppliedIndex))} of {commit}");
            await Task.Delay(100);
        }
        var readDeadline = DateTime.UtcNow.AddSeconds(30);
        foreach (int node in members)
        {
            foreach (var (key, expected) in finalValues)
            {
                var reply = await SerializableGetAsync(cluster, node, key, readDeadline);
                Assert.True(expected == (reply.Found ? reply.Value.ToStringUtf8() : null), $"node {node} holds {(reply.Found ? reply.Value.ToStringUtf8() : "nothing")} for {key}, the cluster's final value is {expected ?? "nothing"}");
            }
        }
    }

    private void Log(string line) => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
}
