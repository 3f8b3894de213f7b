using Google.Protobuf;
using Grpc.Core;
using Paxos.Cluster.Tests.Harness;
using Paxos.Transport.V1;
using Xunit.Abstractions;

namespace Paxos.Cluster.Tests.Leases;

/// <summary>LeaseService (CONTRACT.md section 1b) against 3 real node processes, through the API and the CLI.</summary>
public sealed class LeaseClusterTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Keys = ["svc/a", "svc/b", "svc/c"];
    private readonly ITestOutputHelper _output = output;
    private readonly LocalCluster _cluster = new(output, size: 3);

    public void Dispose() => _cluster.Dispose();

    private static DateTime Deadline => DateTime.UtcNow.AddSeconds(20);

    [Fact]
    public async Task A_lease_kept_alive_while_the_leader_is_killed_keeps_its_keys()
    {
        await _cluster.StartAllAsync();
        int leader = await _cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(20));
        ulong lease = await GrantWithKeysAsync(leader, ttlMs: 3_000);

        using var stop = new CancellationTokenSource();
        var renewals = Task.Run(() => KeepAliveAsync(lease, except: leader, stop.Token));
        _cluster.Kill(leader);
        int successor = await _cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(20), new HashSet<int> { leader });
        await Task.Delay(TimeSpan.FromSeconds(7)); // more than twice the TTL under the new leader
        await stop.CancelAsync();
        int renewed = await renewals;

        Assert.True(renewed > 0, "no keep-alive was answered");
        var listed = await _cluster.KeyValue(successor).ListAsync(new ListRequest { Prefix = "svc/" }, deadline: Deadline);
        Assert.Equal(Keys, listed.Items.Select(item => item.Key));
        Assert.All(listed.Items, item => Assert.Equal(lease, item.LeaseId));
        Assert.True((await _cluster.Lease(successor).KeepAliveAsync(new LeaseKeepAliveRequest { LeaseId = lease }, deadline: Deadline)).Found);
    }

    [Fact]
    public async Task A_lease_left_alone_expires_after_an_election_deleting_all_its_keys_at_one_index()
    {
        await _cluster.StartAllAsync();
        int leader = await _cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(20));
        ulong lease = await GrantWithKeysAsync(leader, ttlMs: 1_000);
        await _cluster.KeyValue(leader).PutAsync(new PutRequest { Key = "svc/unleased", Value = ByteString.CopyFromUtf8("stays") }, deadline: Deadline);
        _cluster.Kill(leader);
        int survivor = (leader + 1) % _cluster.Size;

        // Every List is one cut of the store: the lease's keys are all there, or all gone.
        var until = DateTime.UtcNow.AddSeconds(25);
        ListResponse cut;
        do
        {
            Assert.True(DateTime.UtcNow < until, "the lease's keys were not deleted within 25 s");
            await Task.Delay(50);
            cut = await ListAsync(survivor);
            int leased = cut.Items.Count(item => item.LeaseId == lease);
            Assert.True(leased is 0 or 3, $"a cut at index {cut.ReadIndex} holds {leased} of the lease's 3 keys");
        }
        while (cut.Items.Any(item => item.LeaseId == lease));

        Assert.Equal(["svc/unleased"], cut.Items.Select(item => item.Key));
        Assert.False((await _cluster.Lease(survivor).KeepAliveAsync(new LeaseKeepAliveRequest { LeaseId = lease }, deadline: Deadline)).Found);
    }

    [Fact]
    public async Task Grant_put_keep_alive_and_revoke_answer_as_the_contract_says_through_any_node_and_the_cli()
    {
        await _cluster.StartAllAsync();
        var grantErrors = await Task.WhenAll(new long[] { 999, 86_400_001, -5 }.Select(ttl =>
            Assert.ThrowsAsync<RpcException>(() => _cluster.Lease(0).GrantAsync(new LeaseGrantRequest { TtlMs = ttl }, deadline: Deadline).ResponseAsync)));
        Assert.All(grantErrors, e => Assert.Equal(StatusCode.InvalidArgument, e.StatusCode));

        var missing = await Assert.ThrowsAsync<RpcException>(() => _cluster.KeyValue(1).PutAsync(
            new PutRequest { Key = "svc/orphan", Value = ByteString.CopyFromUtf8("x"), LeaseId = 424242 }, deadline: Deadline).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.False((await _cluster.KeyValue(2).GetAsync(new GetRequest { Key = "svc/orphan" }, deadline: Deadline)).Found);
        Assert.False((await _cluster.Lease(2).KeepAliveAsync(new LeaseKeepAliveRequest { LeaseId = 424242 }, deadline: Deadline)).Found);
        Assert.False((await _cluster.Lease(1).RevokeAsync(new LeaseRevokeRequest { LeaseId = 424242 }, deadline: Deadline)).Found);

        ulong lease = await GrantWithKeysAsync(node: 2, ttlMs: 60_000);
        for (int node = 0; node < _cluster.Size; node++)
        {
            var renewed = await _cluster.Lease(node).KeepAliveAsync(new LeaseKeepAliveRequest { LeaseId = lease }, deadline: Deadline);
            Assert.True(renewed.Found, $"node {node} did not renew the lease");
            Assert.Equal(60_000, renewed.TtlMs);
        }
        var revoked = await _cluster.Lease(0).RevokeAsync(new LeaseRevokeRequest { LeaseId = lease }, deadline: Deadline);
        Assert.True(revoked.Found);
        var after = await ListAsync(1);
        Assert.Empty(after.Items);
        Assert.True(after.ReadIndex >= revoked.Index);

        string endpoints = string.Join(",", _cluster.Config.Nodes.Select(n => n.Url.GetLeftPart(UriPartial.Authority)));
        string granted = await NodeProcess.RunAsync(0, "lease", "grant", "30", "--endpoints", endpoints);
        Assert.Matches(@"^OK lease=\d+ ttl_ms=30000$", granted);
        string id = granted.Split(' ')[1]["lease=".Length..];
        await NodeProcess.RunAsync(0, "put", "svc/cli", "v", "--lease", id, "--endpoints", endpoints);
        Assert.Equal(ulong.Parse(id, System.Globalization.CultureInfo.InvariantCulture), Assert.Single((await ListAsync(0)).Items).LeaseId);
        Assert.StartsWith("OK index=", await NodeProcess.RunAsync(0, "lease", "revoke", id, "--endpoints", endpoints), StringComparison.Ordinal);
        Assert.Empty((await ListAsync(0)).Items);
        Assert.Contains("not found", await NodeProcess.RunAsync(1, "lease", "keep-alive", id, "--endpoints", endpoints), StringComparison.Ordinal);
        Assert.Contains($"NotFound: lease {id} does not exist", await NodeProcess.RunAsync(1, "put", "svc/cli", "v", "--lease", id, "--endpoints", endpoints), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Leases_and_their_keys_survive_all_nodes_killed_and_restarted_from_snapshots()
    {
        _cluster.NodeArguments = ["--snapshot-interval", "5"];
        await _cluster.StartAllAsync();
        ulong lease = await GrantWithKeysAsync(node: 0, ttlMs: 60_000);
        for (int i = 0; i < 20; i++)
        {
            await _cluster.KeyValue(i % _cluster.Size).PutAsync(new PutRequest { Key = $"filler/{i}", Value = ByteString.CopyFromUtf8("x") }, deadline: Deadline);
        }
        for (int node = 0; node < _cluster.Size; node++)
        {
            _cluster.Kill(node);
        }

        await _cluster.StartAllAsync();
        await _cluster.WaitForLeaderAsync(TimeSpan.FromSeconds(20));

        var listed = await ListAsync(1);
        Assert.Equal(Keys, listed.Items.Select(item => item.Key));
        Assert.All(listed.Items, item => Assert.Equal(lease, item.LeaseId));
        Assert.True((await _cluster.Lease(2).KeepAliveAsync(new LeaseKeepAliveRequest { LeaseId = lease }, deadline: Deadline)).Found);
        var next = await _cluster.Lease(0).GrantAsync(new LeaseGrantRequest { TtlMs = 5_000 }, deadline: Deadline);
        Assert.True(next.LeaseId > lease, "a lease id is never given twice");
        Assert.True((await _cluster.Lease(1).RevokeAsync(new LeaseRevokeRequest { LeaseId = lease }, deadline: Deadline)).Found);
        Assert.Empty((await ListAsync(2)).Items);
    }

    /// <summary>Grants a lease through <paramref name="node"/> and puts <see cref="Keys"/> with it.</summary>
    private async Task<ulong> GrantWithKeysAsync(int node, long ttlMs)
    {
        var grant = await _cluster.Lease(node).GrantAsync(new LeaseGrantRequest { TtlMs = ttlMs }, deadline: Deadline);
        Assert.Equal(ttlMs, grant.TtlMs);
        foreach (string key in Keys)
        {
            await _cluster.KeyValue(node).PutAsync(new PutRequest { Key = key, Value = ByteString.CopyFromUtf8(key), LeaseId = grant.LeaseId }, deadline: Deadline);
        }
        return grant.LeaseId;
    }

    private async Task<ListResponse> ListAsync(int node) =>
        await _cluster.KeyValue(node).ListAsync(new ListRequest { Prefix = "svc/" }, deadline: Deadline);

    /// <summary>Renews the lease every 300 ms through the nodes other than <paramref name="except"/> in turn until stopped; returns how many renewals were answered.</summary>
    private async Task<int> KeepAliveAsync(ulong lease, int except, CancellationToken stop)
    {
        int renewed = 0;
        for (int attempt = 0; !stop.IsCancellationRequested; attempt++)
        {
            int node = (except + 1 + (attempt % (_cluster.Size - 1))) % _cluster.Size;
            try
            {
                var reply = await _cluster.Lease(node).KeepAliveAsync(new LeaseKeepAliveRequest { LeaseId = lease }, deadline: DateTime.UtcNow.AddSeconds(1), cancellationToken: stop);
                Assert.True(reply.Found, $"node {node} no longer knows lease {lease}");
                renewed++;
                await Task.Delay(300, stop);
            }
            catch (RpcException e) when (LocalCluster.IsUnavailable(e) && !stop.IsCancellationRequested)
            {
                _output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} keep-alive through node {node}: {e.StatusCode}");
            }
            catch (Exception e) when (e is OperationCanceledException || (e is RpcException { StatusCode: StatusCode.Cancelled } && stop.IsCancellationRequested))
            {
                break;
            }
        }
        return renewed;
    }

}
