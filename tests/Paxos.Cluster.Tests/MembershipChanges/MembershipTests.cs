using Paxos.Cluster.Tests.Harness;
using Xunit.Abstractions;

namespace Paxos.Cluster.Tests.MembershipChanges;

/// <summary>
/// Membership changes on real processes under a steady write load (CONTRACT.md section 4): grow,
/// remove the leader, replace a node whose data is gone, shrink; each followed by killing a
/// minority of the new configuration and writing on. No write may fail, and every acknowledged
/// write must be readable at the end. The long ones run with <c>-p:RunSettingsFilePath= --filter Category=Membership</c>;
/// one short one (grow 3 to 4) runs by default.
/// </summary>
public sealed class MembershipTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Growing_3_to_4_under_writes_then_killing_the_leader_loses_no_write()
    {
        using var cluster = new MembershipCluster(output, founders: 3, capacity: 4);
        await cluster.FoundAsync();
        await using var writer = new SteadyWriter(cluster.Urls);
        await writer.WaitForMoreAsync(50);

        await cluster.GrowAsync(3);
        await writer.WaitForMoreAsync(50);
        Assert.Equal(["node-0", "node-1", "node-2", "node-3"], (await cluster.MembersAsync()).Voters);

        // Through the CLI: the list, a retried promote (changes nothing), a refused add (exit code 4).
        string list = await NodeProcess.RunAsync(0, "member", "list", "--endpoints", cluster.Endpoints);
        Assert.Equal([.. Enumerable.Range(0, 4).Select(k => $"node-{k} {cluster.Url(k).GetLeftPart(UriPartial.Authority)} voter")], list.Split('\n').Order(StringComparer.Ordinal));
        Assert.StartsWith("OK changed=false", await NodeProcess.RunAsync(0, "member", "promote", "node-3", "--endpoints", cluster.Endpoints), StringComparison.Ordinal);
        Assert.Contains("FailedPrecondition", await NodeProcess.RunAsync(4, "member", "add", "node-3", "http://127.0.0.1:1", "--endpoints", cluster.Endpoints), StringComparison.Ordinal);

        // One of four is a minority of the new configuration: writes go on without it.
        cluster.Nodes.Kill(await cluster.LeaderAsync());
        await writer.WaitForMoreAsync(50);
        await AssertNoWriteFailedOrLostAsync(cluster, writer);
    }

    [Fact]
    [Trait("Category", "Membership")]
    public async Task Growing_3_to_5_under_writes_then_killing_two_loses_no_write()
    {
        using var cluster = new MembershipCluster(output, founders: 3, capacity: 5);
        await cluster.FoundAsync();
        await using var writer = new SteadyWriter(cluster.Urls);
        await writer.WaitForMoreAsync(100);

        await cluster.GrowAsync(3);
        await writer.WaitForMoreAsync(100);
        await cluster.GrowAsync(4);
        await writer.WaitForMoreAsync(100);
        Assert.Equal(["node-0", "node-1", "node-2", "node-3", "node-4"], (await cluster.MembersAsync()).Voters);

        int leader = await cluster.LeaderAsync();
        cluster.Nodes.Kill(leader);
        cluster.Nodes.Kill(leader == 4 ? 3 : 4);
        await writer.WaitForMoreAsync(100);
        await AssertNoWriteFailedOrLostAsync(cluster, writer);
    }

    [Fact]
    [Trait("Category", "Membership")]
    public async Task Removing_the_leader_under_writes_hands_over_and_loses_no_write()
    {
        using var cluster = new MembershipCluster(output, founders: 5, capacity: 5);
        await cluster.FoundAsync();
        await using var writer = new SteadyWriter(cluster.Urls);
        await writer.WaitForMoreAsync(100);

        int leader = await cluster.LeaderAsync();
        await cluster.RemoveAsync(leader);
        await writer.WaitForMoreAsync(100);
        var (voters, learners) = await cluster.MembersAsync();
        Assert.Equal(4, voters.Length);
        Assert.DoesNotContain(MembershipCluster.Id(leader), voters);
        Assert.Empty(learners);
        Assert.NotEqual(leader, await cluster.LeaderAsync());

        cluster.Nodes.Kill(await cluster.LeaderAsync());
        await writer.WaitForMoreAsync(100);
        await AssertNoWriteFailedOrLostAsync(cluster, writer);
    }

    [Fact]
    [Trait("Category", "Membership")]
    public async Task A_node_whose_data_is_gone_is_replaced_by_a_new_id_and_no_write_is_lost()
    {
        using var cluster = new MembershipCluster(output, founders: 3, capacity: 4);
        await cluster.FoundAsync();
        await using var writer = new SteadyWriter(cluster.Urls);
        await writer.WaitForMoreAsync(100);

        cluster.Nodes.Kill(1);
        Directory.Delete(cluster.Nodes.DataDirectory(1), recursive: true);
        await writer.WaitForMoreAsync(100);

        // Its id cannot come back with forgotten promises: started again without data and without
        // --join, it stops with a message instead of founding a cluster or rejoining.
        var comeback = cluster.Nodes.Start(1);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await comeback.WaitForExitAsync(timeout.Token);
        }
        Assert.NotEqual(0, comeback.ExitCode);
        output.WriteLine($"node 1 started again on an empty data directory:\n{comeback.Output}");

        await cluster.RemoveAsync(1);
        await cluster.GrowAsync(3);
        await writer.WaitForMoreAsync(100);
        Assert.Equal(["node-0", "node-2", "node-3"], (await cluster.MembersAsync()).Voters);

        cluster.Nodes.Kill(await cluster.LeaderAsync());
        await writer.WaitForMoreAsync(100);
        await AssertNoWriteFailedOrLostAsync(cluster, writer);
    }

    [Fact]
    [Trait("Category", "Membership")]
    public async Task Shrinking_5_to_3_under_writes_then_killing_one_loses_no_write()
    {
        using var cluster = new MembershipCluster(output, founders: 5, capacity: 5);
        await cluster.FoundAsync();
        await using var writer = new SteadyWriter(cluster.Urls);
        await writer.WaitForMoreAsync(100);

        await cluster.RemoveAsync(4);
        await writer.WaitForMoreAsync(100);
        await cluster.RemoveAsync(3);
        await writer.WaitForMoreAsync(100);
        Assert.Equal(["node-0", "node-1", "node-2"], (await cluster.MembersAsync()).Voters);

        cluster.Nodes.Kill(await cluster.LeaderAsync());
        await writer.WaitForMoreAsync(100);
        await AssertNoWriteFailedOrLostAsync(cluster, writer);
    }

    /// <summary>Stops the load; no write failed, and each acknowledged one reads back (a linearizable list) with its value.</summary>
    private async Task AssertNoWriteFailedOrLostAsync(MembershipCluster cluster, SteadyWriter writer)
    {
        var (acknowledged, failed) = await writer.StopAsync();
        output.WriteLine($"{acknowledged.Count} writes acknowledged, {failed.Count} failed");
        Assert.True(failed.Count == 0, $"{failed.Count} writes failed:\n{string.Join("\n", failed.Take(20))}");
        var stored = await cluster.ReadAllAsync(SteadyWriter.Prefix);
        string[] lost = [.. acknowledged.Where(w => !stored.TryGetValue(w.Key, out string? value) || value != w.Value).Select(w => w.Key)];
        Assert.True(lost.Length == 0, $"{lost.Length} of {acknowledged.Count} acknowledged writes are lost or changed: {string.Join(", ", lost.Take(20))}");
        cluster.Nodes.AssertNoNodeExitedByItself();
    }
}
