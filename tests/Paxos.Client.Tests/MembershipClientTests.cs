extern alias client;

using client::Paxos.Client;
using Grpc.Core;
using V1 = client::Paxos.Transport.V1;

namespace Paxos.Client.Tests;

/// <summary>The membership calls of <see cref="PaxosClient"/> against a <see cref="ScriptedCluster"/>: mapping, retries, refusals.</summary>
public sealed class MembershipClientTests
{
    private static readonly Uri[] Nodes = [new("http://node-a:7000"), new("http://node-b:7000"), new("http://node-c:7000")];

    private static PaxosClient Client(ScriptedCluster cluster) => new(new PaxosClientOptions
    {
        Endpoints = Nodes,
        Timeout = TimeSpan.FromSeconds(10),
        InitialBackoff = TimeSpan.FromMilliseconds(1),
        MaxBackoff = TimeSpan.FromMilliseconds(20),
    }, cluster.Connect);

    private static Task<object> NoLeaderKnown() => Task.FromResult<object>(new V1.GetLeaderResponse { Known = false });

    private static V1.Member Member(int number, bool voter) => new() { Id = $"node-{number}", Url = $"http://127.0.0.1:{7000 + number}", Voter = voter, Number = (uint)number };

    [Fact]
    public async Task Member_list_maps_voters_learners_the_slot_and_the_leader()
    {
        var cluster = new ScriptedCluster
        {
            Answer = (call, _) => call.Method switch
            {
                "GetLeader" => NoLeaderKnown(),
                "ListMembers" => Task.FromResult<object>(new V1.ListMembersResponse { Members = { Member(0, true), Member(3, false) }, Slot = 12, LeaderId = "node-0" }),
                _ => throw new InvalidOperationException(call.Method),
            },
        };
        await using var client = Client(cluster);

        var list = await client.ListMembersAsync();

        Assert.Equal([new MemberInfo("node-0", new Uri("http://127.0.0.1:7000"), true, 0), new MemberInfo("node-3", new Uri("http://127.0.0.1:7003"), false, 3)], list.Members);
        Assert.Equal(12UL, list.Slot);
        Assert.Equal("node-0", list.LeaderId);
    }

    [Fact]
    public async Task A_change_without_an_answer_is_retried_elsewhere_with_the_same_request()
    {
        var cluster = new ScriptedCluster
        {
            Answer = (call, _) => call.Method switch
            {
                "GetLeader" => NoLeaderKnown(),
                "AddMember" when call.Endpoint == Nodes[0] => throw ScriptedCluster.Error(StatusCode.Unavailable, "no quorum"),
                "AddMember" => Task.FromResult<object>(new V1.MembershipChangeResponse { Members = { Member(0, true), Member(5, false) }, Slot = 40, Changed = false }),
                _ => throw new InvalidOperationException(call.Method),
            },
        };
        await using var client = Client(cluster);

        var result = await client.AddMemberAsync("node-5", new Uri("http://127.0.0.1:7005/"));

        Assert.False(result.Changed);
        Assert.Equal(40UL, result.Slot);
        Assert.False(result.Members[1].IsVoter);
        var adds = cluster.CallsOf("AddMember").Select(c => (V1.AddMemberRequest)c.Request).ToList();
        Assert.Equal(2, adds.Count);
        Assert.All(adds, a => Assert.Equal(("node-5", "http://127.0.0.1:7005"), (a.Id, a.Url)));
    }

    [Fact]
    public async Task A_refusal_is_not_retried_and_says_why()
    {
        var cluster = new ScriptedCluster
        {
            Answer = (call, _) => call.Method switch
            {
                "GetLeader" => NoLeaderKnown(),
                "PromoteMember" => throw ScriptedCluster.Error(StatusCode.FailedPrecondition, "node-5 has not caught up: applied 10 of 200"),
                _ => throw new InvalidOperationException(call.Method),
            },
        };
        await using var client = Client(cluster);

        var e = await Assert.ThrowsAsync<PaxosRefusedException>(() => client.PromoteMemberAsync("node-5"));

        Assert.Contains("has not caught up", e.Message, StringComparison.Ordinal);
        Assert.Single(cluster.CallsOf("PromoteMember"));
    }

    [Fact]
    public async Task A_change_sent_and_never_confirmed_has_an_unknown_outcome()
    {
        var cluster = new ScriptedCluster
        {
            Answer = (call, _) => call.Method switch
            {
                "GetLeader" => NoLeaderKnown(),
                _ => throw ScriptedCluster.Error(StatusCode.DeadlineExceeded, "no quorum"),
            },
        };
        await using var client = Client(cluster);

        await Assert.ThrowsAsync<PaxosOutcomeUnknownException>(() => client.RemoveMemberAsync("node-1", TimeSpan.FromMilliseconds(200)));
        await Assert.ThrowsAsync<PaxosOutcomeUnknownException>(() => client.TransferLeadershipAsync("node-1", TimeSpan.FromMilliseconds(200)));
        await Assert.ThrowsAsync<PaxosNoQuorumException>(() => client.ListMembersAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Bad_arguments_are_refused_before_any_call()
    {
        var cluster = new ScriptedCluster { Answer = (call, _) => throw new InvalidOperationException(call.Method) };
        await using var client = Client(cluster);

        await Assert.ThrowsAsync<ArgumentException>(() => client.AddMemberAsync("node-5", new Uri("ftp://127.0.0.1:7005")));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => client.RemoveMemberAsync(""));
        Assert.Empty(cluster.Calls);
    }
}
