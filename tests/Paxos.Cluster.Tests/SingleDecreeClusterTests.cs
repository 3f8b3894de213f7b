using Grpc.Core;
using Paxos.Cluster.Tests.Harness;
using Paxos.Node.Hosting;
using Paxos.Transport.V1;
using Xunit.Abstractions;

namespace Paxos.Cluster.Tests;

/// <summary>
/// The original design's success criteria, against 5 real node processes talking gRPC on
/// loopback. Failures are real: SIGKILL.
/// </summary>
public sealed class SingleDecreeClusterTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan LearnWithin = TimeSpan.FromSeconds(10);
    private readonly LocalCluster _cluster = new(output);

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task Single_proposer_gets_its_value_and_every_node_learns_it()
    {
        await _cluster.StartAllAsync();

        Assert.Equal("value1", await _cluster.ProposeAsync(0, "value1"));

        for (int node = 0; node < 5; node++)
        {
            Assert.Equal("value1", await _cluster.EventuallyLearnedAsync(node, LearnWithin));
        }
    }

    [Fact]
    public async Task Concurrent_proposers_all_get_the_same_value_and_every_node_learns_it()
    {
        await _cluster.StartAllAsync();

        string[] results = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => _cluster.ProposeAsync(i, $"value_from_{i}")));

        Assert.Single(results.Distinct());
        Assert.StartsWith("value_from_", results[0], StringComparison.Ordinal);
        for (int node = 0; node < 5; node++)
        {
            Assert.Equal(results[0], await _cluster.EventuallyLearnedAsync(node, LearnWithin));
        }
    }

    [Theory]
    [InlineData(new[] { 2 })]
    [InlineData(new[] { 3, 4 })]
    [InlineData(new[] { 0, 2 })]
    public async Task Consensus_is_reached_with_a_minority_killed(int[] killed)
    {
        await _cluster.StartAllAsync();
        foreach (int node in killed)
        {
            _cluster.Kill(node);
        }
        int proposer = Enumerable.Range(0, 5).First(i => !killed.Contains(i));

        Assert.Equal("surviving", await _cluster.ProposeAsync(proposer, "surviving"));

        foreach (int node in Enumerable.Range(0, 5).Except(killed))
        {
            Assert.Equal("surviving", await _cluster.EventuallyLearnedAsync(node, LearnWithin));
        }
    }

    [Fact]
    public async Task With_a_majority_killed_a_proposal_blocks_then_completes_consistently_when_they_return()
    {
        await _cluster.StartAllAsync();
        int[] killed = [2, 3, 4];
        foreach (int node in killed)
        {
            _cluster.Kill(node);
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => _cluster.ProposeAsync(0, "blocked", TimeSpan.FromSeconds(3)));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("no quorum", error.Status.Detail, StringComparison.Ordinal);
        Assert.Null(await _cluster.LearnedAsync(1, askPeers: true));

        foreach (int node in killed)
        {
            await _cluster.StartAndWaitAsync(node);
        }
        string chosen = await _cluster.ProposeAsync(1, "after");

        Assert.Contains(chosen, new[] { "blocked", "after" });
        for (int node = 0; node < 5; node++)
        {
            Assert.Equal(chosen, await _cluster.LearnedAsync(node, askPeers: true));
        }
    }

    [Fact]
    public async Task A_proposer_killed_mid_way_is_recovered_by_another_and_every_node_agrees()
    {
        await _cluster.StartAllAsync();
        // Node 0 restarts with a failpoint: its proposer sends Accept to nodes 0 and 1 only, then stalls.
        _cluster.Kill(0);
        await _cluster.StartAndWaitAsync(0, failpoints: "stall-after-accepts=2");

        var initial = _cluster.ProposeAsync(0, "initial");
        await EventuallyAsync(async () => (await _cluster.Peer(1).LearnAsync(new LearnRequest { InstanceId = _cluster.CurrentInstance })).HasAccepted);
        Assert.False(initial.IsCompleted);
        _cluster.Kill(0);
        var lost = await Assert.ThrowsAsync<RpcException>(() => initial);
        Assert.True(LocalCluster.IsUnavailable(lost), $"the call to the killed proposer ended with {lost.StatusCode}: {lost.Status.Detail}");

        string recovered = await _cluster.ProposeAsync(1, "recovery");

        Assert.Contains(recovered, new[] { "initial", "recovery" });
        await _cluster.StartAndWaitAsync(0);
        for (int node = 0; node < 5; node++)
        {
            Assert.Equal(recovered, await _cluster.LearnedAsync(node, askPeers: true));
        }
    }

    [Fact]
    public async Task A_node_that_was_down_when_the_value_was_chosen_learns_it()
    {
        await _cluster.StartAllAsync();
        _cluster.Kill(4);
        Assert.Equal("while-away", await _cluster.ProposeAsync(0, "while-away"));

        await _cluster.StartAndWaitAsync(4);

        // The proposer keeps re-announcing the decision for a few seconds, so one of those retries
        // may reach node 4 once it is back; if none has yet, node 4 does not know the value and
        // learns it by asking its peers.
        string? heard = await _cluster.LearnedAsync(4, askPeers: false);
        Assert.True(heard is null or "while-away", $"node 4 learned '{heard}'");
        Assert.Equal("while-away", await _cluster.LearnedAsync(4, askPeers: true));
        _cluster.Kill(0);
        _cluster.Kill(1);
        Assert.Equal("while-away", await _cluster.LearnedAsync(4, askPeers: false)); // now durable on node 4
    }

    [Fact]
    public async Task Instances_are_independent()
    {
        await _cluster.StartAllAsync();
        _cluster.CurrentInstance = "a";
        Assert.Equal("x", await _cluster.ProposeAsync(0, "x"));
        _cluster.CurrentInstance = "b";
        Assert.Equal("y", await _cluster.ProposeAsync(1, "y"));
        _cluster.CurrentInstance = "a";
        Assert.Equal("x", await _cluster.ProposeAsync(2, "z"));
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 15 s");
            await Task.Delay(20);
        }
    }
}
