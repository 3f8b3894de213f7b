using System.Text;
using Paxos.Cluster.Tests.Harness;
using Paxos.Core.Replication;
using Paxos.Node.Replication;

namespace Paxos.Cluster.Tests;

/// <summary>
/// A leader lets a byte-identical retry of an identified command it still holds wait for that one
/// (<see cref="IdentifiedCommands"/>) instead of taking a slot of its own; commands without an
/// identity are each proposed. Production <see cref="ReplicaNode"/>s stepped in this process.
/// </summary>
public sealed class IdentifiedCommandTests
{
    private static readonly Membership Three = Membership.Founding([("n0", "http://n0:7000"), ("n1", "http://n1:7000"), ("n2", "http://n2:7000")]);

    [Fact]
    public void Retries_of_an_identified_command_the_leader_holds_take_no_slot_and_end_with_it()
    {
        using var replicas = StartThree();
        int leader = replicas.Leader!.NodeId;
        var first = Propose(replicas, leader, "id:c1/7 put k v");
        var retry = Propose(replicas, leader, "id:c1/7 put k v"); // in the same round: the first is in the open batch
        replicas.Run(1);
        var later = Propose(replicas, leader, "id:c1/7 put k v"); // once the first is on its way
        replicas.RunUntil(() => first.Ended && retry.Ended && later.Ended, "the command and its retries end");
        replicas.Write("after");

        foreach (var reply in new[] { first, retry, later })
        {
            Assert.True(reply.Result.IsDone, reply.Result.ToString());
            Assert.Equal(first.Result.Value.Slot, reply.Result.Value.Slot);
        }
        Assert.Equal(["id:c1/7 put k v", "after"], replicas.Applied(leader));
    }

    [Fact]
    public void Copies_of_a_command_without_an_identity_each_take_a_slot()
    {
        using var replicas = StartThree();
        int leader = replicas.Leader!.NodeId;
        var first = Propose(replicas, leader, "put k v");
        var second = Propose(replicas, leader, "put k v");
        replicas.RunUntil(() => first.Ended && second.Ended, "both end");

        Assert.True(first.Result.IsDone && second.Result.IsDone);
        Assert.Equal(["put k v", "put k v"], replicas.Applied(leader));
    }

    [Fact]
    public void A_retry_after_the_command_ended_is_proposed_again()
    {
        using var replicas = StartThree();
        int leader = replicas.Leader!.NodeId;
        replicas.Write("id:c1/8 put k v");
        replicas.Write("id:c1/8 put k v");

        Assert.Equal(["id:c1/8 put k v", "id:c1/8 put k v"], replicas.Applied(leader)); // the state machine answers the copy from its session table
    }

    private static Reply<ReplicaOutcome<ReplicationResult>> Propose(LocalReplicas replicas, int at, string command)
    {
        var reply = new Reply<ReplicaOutcome<ReplicationResult>>();
        replicas.Input(at, node => node.Propose(Encoding.UTF8.GetBytes(command), reply));
        return reply;
    }

    private static LocalReplicas StartThree()
    {
        var replicas = new LocalReplicas();
        for (int node = 0; node < 3; node++)
        {
            replicas.Start(node, Three);
        }
        replicas.RunUntil(() => replicas.Leader is not null, "a leader is elected");
        return replicas;
    }
}
