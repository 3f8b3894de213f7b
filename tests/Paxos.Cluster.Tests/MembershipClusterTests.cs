using Google.Protobuf;
using Grpc.Core;
using Paxos.Cluster.Tests.Harness;
using Paxos.Transport.V1;
using Xunit.Abstractions;

namespace Paxos.Cluster.Tests;

/// <summary>Membership changes (CONTRACT.md section 4) on real node processes: 3 founders, a fourth node that joins.</summary>
public sealed class MembershipClusterTests(ITestOutputHelper output) : IDisposable
{
    private const int Joiner = 3;
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);
    private readonly LocalCluster _cluster = new(output, size: 4, founders: 3);

    public void Dispose() => _cluster.Dispose();

    /// <summary>
    /// node-3 starts with --join before it is added and waits; once added it catches up as a learner
    /// (the keys written before are on it), answers ListMembers (linearizable, through the leader), is
    /// promoted; then a founder is removed, and then the leader: each stops by itself with exit code 0,
    /// and the two voters left go on writing.
    /// </summary>
    [Fact]
    public async Task A_node_joins_as_a_learner_catches_up_is_promoted_and_removed_nodes_the_leader_included_stop_with_exit_code_0()
    {
        for (int node = 0; node < _cluster.Founders; node++)
        {
            _cluster.Start(node);
        }
        int leader = await _cluster.WaitForLeaderAsync(Within, down: new HashSet<int> { Joiner });
        for (int i = 0; i < 20; i++)
        {
            await _cluster.KeyValue(leader).PutAsync(new PutRequest { Key = $"k{i}", Value = ByteString.CopyFromUtf8($"v{i}") }, deadline: Deadline());
        }
        _cluster.Start(Joiner, arguments: ["--join"]);
        string url = _cluster.Config.Nodes[Joiner].Url.GetLeftPart(UriPartial.Authority);

        var added = await _cluster.Members(0).AddMemberAsync(new AddMemberRequest { Id = "node-3", Url = url }, deadline: Deadline());
        Assert.True(added.Changed);
        Assert.Contains(added.Members, member => member.Id == "node-3" && !member.Voter && member.Number == Joiner);
        var again = await _cluster.Members(1).AddMemberAsync(new AddMemberRequest { Id = "node-3", Url = url }, deadline: Deadline());
        Assert.False(again.Changed);

        var fromLearner = await EventuallyAsync(() => _cluster.Members(Joiner).ListMembersAsync(new ListMembersRequest(), deadline: Deadline()).ResponseAsync);
        Assert.Equal(["node-0 voter", "node-1 voter", "node-2 voter", "node-3 learner"], Described(fromLearner));
        var caughtUp = await EventuallyAsync(async () =>
        {
            var read = await _cluster.KeyValue(Joiner).GetAsync(new GetRequest { Key = "k19", Consistency = ReadConsistency.Serializable }, deadline: Deadline());
            return read.Found ? read : throw new RpcException(new Status(StatusCode.NotFound, "not caught up yet"));
        });
        Assert.Equal("v19", caughtUp.Value.ToStringUtf8());

        var promoted = await EventuallyAsync(() => _cluster.Members(2).PromoteMemberAsync(new PromoteMemberRequest { Id = "node-3" }, deadline: Deadline()).ResponseAsync);
        Assert.Contains(promoted.Members, member => member.Id == "node-3" && member.Voter);

        int removed = (leader + 1) % _cluster.Founders;
        var after = await _cluster.Members(leader).RemoveMemberAsync(new RemoveMemberRequest { Id = $"node-{removed}" }, deadline: Deadline());
        Assert.True(after.Changed);
        Assert.DoesNotContain(after.Members, member => member.Id == $"node-{removed}");
        using (var exited = new CancellationTokenSource(Within))
        {
            await _cluster.Process(removed).WaitForExitAsync(exited.Token);
        }
        Assert.Equal(0, _cluster.Process(removed).ExitCode);
        Assert.Contains("was removed from the cluster", _cluster.Process(removed).Output, StringComparison.Ordinal);

        await _cluster.KeyValue(Joiner).PutAsync(new PutRequest { Key = "after", Value = ByteString.CopyFromUtf8("removal") }, deadline: Deadline());

        // Removing the leader, asked at the learner-turned-voter: the leader hands over first, the change goes on at the new leader.
        var withoutLeader = await _cluster.Members(Joiner).RemoveMemberAsync(new RemoveMemberRequest { Id = $"node-{leader}" }, deadline: Deadline());
        Assert.True(withoutLeader.Changed);
        using (var exited = new CancellationTokenSource(Within))
        {
            await _cluster.Process(leader).WaitForExitAsync(exited.Token);
        }
        Assert.Equal(0, _cluster.Process(leader).ExitCode);
        var list = await _cluster.Members(Joiner).ListMembersAsync(new ListMembersRequest(), deadline: Deadline());
        Assert.Equal(2, list.Members.Count(member => member.Voter));
        Assert.DoesNotContain(list.Members, member => member.Id == $"node-{leader}");
        await _cluster.KeyValue(Joiner).PutAsync(new PutRequest { Key = "after", Value = ByteString.CopyFromUtf8("leader removal") }, deadline: Deadline());
    }

    /// <summary>
    /// Promoting an unknown node, or a learner that has applied nothing (it never started), or handing
    /// the leadership to a learner, is FAILED_PRECONDITION and changes nothing; a transfer to a voter is
    /// answered once it leads.
    /// </summary>
    [Fact]
    public async Task A_refused_change_is_FAILED_PRECONDITION_and_changes_nothing_and_a_transfer_moves_the_leader()
    {
        for (int node = 0; node < _cluster.Founders; node++)
        {
            _cluster.Start(node);
        }
        await _cluster.WaitForLeaderAsync(Within, down: new HashSet<int> { Joiner });
        string url = _cluster.Config.Nodes[Joiner].Url.GetLeftPart(UriPartial.Authority);
        await _cluster.Members(1).AddMemberAsync(new AddMemberRequest { Id = "node-3", Url = url }, deadline: Deadline());
        var before = await _cluster.Members(0).ListMembersAsync(new ListMembersRequest(), deadline: Deadline());

        foreach (string id in new[] { "node-9", "node-3" })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => _cluster.Members(2).PromoteMemberAsync(new PromoteMemberRequest { Id = id }, deadline: Deadline()).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
            output.WriteLine($"promote {id}: {refused.Status.Detail}");
        }

        var toLearner = await Assert.ThrowsAsync<RpcException>(() => _cluster.Members(0).TransferLeadershipAsync(new TransferLeadershipRequest { Id = "node-3" }, deadline: Deadline()).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, toLearner.StatusCode);

        var after = await _cluster.Members(1).ListMembersAsync(new ListMembersRequest(), deadline: Deadline());
        Assert.Equal(Described(before), Described(after));
        Assert.Equal(before.Slot, after.Slot);
        Assert.Contains("node-3 learner", Described(after));

        // A transfer to a voter, asked at any node, is answered once that voter leads.
        int leader = await _cluster.WaitForLeaderAsync(Within, down: new HashSet<int> { Joiner });
        int successor = (leader + 1) % _cluster.Founders;
        var moved = await _cluster.Members((leader + 2) % _cluster.Founders).TransferLeadershipAsync(new TransferLeadershipRequest { Id = $"node-{successor}" }, deadline: Deadline());
        Assert.Equal($"node-{successor}", moved.LeaderId);
    }

    /// <summary>A founder whose data directory is wiped, restarted without --join, stops with a clear message instead of taking part again with its promises forgotten; the others go on.</summary>
    [Fact]
    public async Task A_wiped_founding_node_restarted_without_join_stops_with_a_clear_message()
    {
        for (int node = 0; node < _cluster.Founders; node++)
        {
            _cluster.Start(node);
        }
        int leader = await _cluster.WaitForLeaderAsync(Within, down: new HashSet<int> { Joiner });
        await _cluster.KeyValue(leader).PutAsync(new PutRequest { Key = "k", Value = ByteString.CopyFromUtf8("v") }, deadline: Deadline());
        ulong slot = (await _cluster.StatusAsync(leader)).AppliedIndex;
        int wiped = (leader + 1) % _cluster.Founders;

        // The node to wipe must have taken part: applied the write, and answered heartbeats since. A
        // node killed before any of its messages reached a peer never took part, and may start again.
        await EventuallyAsync(async () => (await _cluster.StatusAsync(wiped)).AppliedIndex >= slot
            ? true
            : throw new RpcException(new Status(StatusCode.Unavailable, $"node {wiped} has not applied slot {slot} yet")));
        await Task.Delay(TimeSpan.FromSeconds(1));
        _cluster.Kill(wiped);
        Directory.Delete(_cluster.DataDirectory(wiped), recursive: true);

        var restarted = _cluster.Start(wiped);
        using (var exited = new CancellationTokenSource(Within))
        {
            await restarted.WaitForExitAsync(exited.Token);
        }
        Assert.NotEqual(0, restarted.ExitCode);
        Assert.Contains("has an empty data directory, but node", restarted.Output, StringComparison.Ordinal);
        Assert.Contains("replace it", restarted.Output, StringComparison.Ordinal);
        await _cluster.KeyValue(leader).PutAsync(new PutRequest { Key = "k", Value = ByteString.CopyFromUtf8("after") }, deadline: Deadline());
    }

    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(10);

    private static List<string> Described(ListMembersResponse response) =>
        [.. response.Members.OrderBy(member => member.Id, StringComparer.Ordinal).Select(member => $"{member.Id} {(member.Voter ? "voter" : "learner")}")];

    /// <summary>Retries <paramref name="call"/> while it fails, up to <see cref="Within"/>.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> call)
    {
        var deadline = DateTime.UtcNow + Within;
        while (true)
        {
            try
            {
                return await call();
            }
            catch (RpcException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }
}
