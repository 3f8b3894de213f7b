extern alias client;

using System.Text;
using client::Paxos.Client;
using client::Paxos.Client.Recipes;
using Paxos.Cluster.Tests.Harness;
using Xunit.Abstractions;

namespace Paxos.Client.Tests;

/// <summary>The <see cref="DistributedLock"/> and <see cref="LeaderElection"/> recipes against 3 real node processes.</summary>
public sealed class RecipeTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(2);
    private readonly LocalCluster _cluster = new(output, size: 3);

    public void Dispose() => _cluster.Dispose();

    private PaxosClient Client() =>
        new(new PaxosClientOptions { Endpoints = [.. _cluster.Config.Nodes.Select(n => n.Url)], Timeout = TimeSpan.FromSeconds(30) });

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task A_holder_paused_past_its_lease_loses_the_lock_and_its_fenced_writes_are_refused()
    {
        await _cluster.StartAllAsync();
        await using var first = Client();
        await using var second = Client();

        var paused = await DistributedLock.AcquireAsync(first, "locks/job", Ttl);
        Assert.True(await paused.PutFencedAsync("job/output", Bytes("first")));
        await paused.StopKeepAliveAsync(); // the holder pauses: nothing renews its lease any more

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(25));
        await using var taken = await DistributedLock.AcquireAsync(second, "locks/job", Ttl, wait.Token);

        Assert.True(taken.FencingToken > paused.FencingToken);
        Assert.False(await paused.PutFencedAsync("job/output", Bytes("first, after its pause"))); // both believe they hold it
        Assert.True(await taken.PutFencedAsync("job/output", Bytes("second")));
        Assert.Equal("second", (await second.GetAsync("job/output")).ValueAsString());
    }

    [Fact]
    public async Task A_released_lock_is_taken_at_once_and_a_held_one_waits()
    {
        await _cluster.StartAllAsync();
        await using var client = Client();

        var held = await DistributedLock.AcquireAsync(client, "locks/a", Ttl);
        using (var shortWait = new CancellationTokenSource(TimeSpan.FromSeconds(3)))
        {
            // the holder keeps its lease alive, so the lock stays taken past its TTL
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DistributedLock.AcquireAsync(client, "locks/a", Ttl, shortWait.Token));
        }
        Assert.False(held.Lost.IsCancellationRequested);
        await held.DisposeAsync();
        Assert.False((await client.GetAsync("locks/a")).Found);

        await using var next = await DistributedLock.AcquireAsync(client, "locks/a", Ttl);
        Assert.True(next.FencingToken > held.FencingToken);
    }

    [Fact]
    public async Task An_election_has_one_leader_at_a_time_and_the_next_is_elected_with_a_higher_term_when_it_resigns()
    {
        await _cluster.StartAllAsync();
        await using var client = Client();
        Assert.Null(await LeaderElection.LeaderAsync(client, "elections/db"));

        var first = await LeaderElection.CampaignAsync(client, "elections/db", Bytes("node-a"), Ttl);
        var second = LeaderElection.CampaignAsync(client, "elections/db", Bytes("node-b"), Ttl);
        await Task.Delay(Ttl * 1.5); // longer than the TTL: the first leader's lease is kept alive
        Assert.False(second.IsCompleted);
        var seen = await LeaderElection.LeaderAsync(client, "elections/db");
        Assert.Equal("node-a", Encoding.UTF8.GetString(Assert.IsType<ElectedLeader>(seen).Value.Span));
        Assert.Equal(first.Term, seen.Term);

        await first.DisposeAsync();
        await using var next = await second.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(next.Term > first.Term);
        var now = Assert.IsType<ElectedLeader>(await LeaderElection.LeaderAsync(client, "elections/db"));
        Assert.Equal(("node-b", next.Term), (Encoding.UTF8.GetString(now.Value.Span), now.Term));
    }
}
