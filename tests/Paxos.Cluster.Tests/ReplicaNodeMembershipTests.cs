using System.Buffers.Binary;
using Paxos.Cluster.Tests.Harness;
using Paxos.Core.Replication;
using Paxos.Node.Replication;
using Paxos.Storage.Snapshots;

namespace Paxos.Cluster.Tests;

/// <summary>
/// Memberships at the node: where a node's membership comes from at start and after restarts,
/// changes answered once applied, snapshots that carry the membership, and removal. Production
/// <see cref="ReplicaNode"/>s on real directories, stepped in this process (<see cref="LocalReplicas"/>).
/// </summary>
public sealed class ReplicaNodeMembershipTests
{
    private static readonly Membership One = Membership.Founding([("n0", "http://n0:7000")]);
    private static readonly Membership Three = Membership.Founding([("n0", "http://n0:7000"), ("n1", "http://n1:7000"), ("n2", "http://n2:7000")]);

    [Fact]
    public void The_founding_membership_survives_a_restart_before_any_snapshot_and_wins_over_the_option()
    {
        using var replicas = new LocalReplicas();
        replicas.Start(0, One);
        replicas.RunUntil(() => replicas.Leader is not null, "node 0 leads its one-node cluster");
        replicas.Write("a");
        replicas.Stop(0);

        ReplicaNode restarted = replicas.Start(0, Membership.OfSize(3)); // a cluster file that changed: three voters, two of them absent

        Assert.True(restarted.Membership.ContentEquals(One), restarted.Membership.ToString());
        Assert.True(restarted.CommittedMembership.ContentEquals(One), restarted.CommittedMembership.ToString());
        Assert.True(replicas.Updates[0][^1].ContentEquals(One));
        replicas.RunUntil(() => replicas.Leader is not null, "node 0 leads alone again: its quorum is its own");
        replicas.Write("b");
        Assert.Equal(["a", "b"], replicas.Applied(0));
    }

    [Fact]
    public void A_change_is_answered_once_its_slot_is_applied_and_the_joiner_follows()
    {
        using var replicas = StartThree();
        replicas.Write("a");
        int leader = replicas.Leader!.NodeId;
        ReplicaNode joiner = replicas.Start(3, Membership.Unknown);
        Assert.Empty(joiner.Membership.Members);

        var added = Change(replicas, leader, MembershipChange.AddLearner("n3", "http://n3:7000"));
        Assert.False(added.Ended, "answered only once the slot is applied");
        replicas.RunUntil(() => added.Ended, "the addition is applied");
        Membership withLearner = Changed(added);
        Assert.Equal(new Member(3, "n3", "http://n3:7000", IsVoter: false), withLearner.Find(3));
        Assert.True(replicas[leader].Membership.ContentEquals(withLearner));
        Assert.True(replicas[leader].Status(0).Membership.ContentEquals(withLearner), "the status the driver publishes carries it");

        replicas.Write("b");
        replicas.RunUntil(() => replicas.Applied(3).SequenceEqual(["a", "b"]) && joiner.Membership.ContentEquals(withLearner), "the learner catches up");
        Assert.True(replicas.Updates[3][^1].ContentEquals(withLearner), "the joiner's transport follows its membership");
        replicas.Run(30); // heartbeat replies tell the leader how far the learner applied

        var promoted = Change(replicas, leader, MembershipChange.Promote(3));
        replicas.RunUntil(() => promoted.Ended, "the promotion is applied");
        Assert.True(Changed(promoted).IsVoter(3));

        var retried = Change(replicas, leader, MembershipChange.Promote(3));
        Assert.True(retried.Ended, "a retried change is answered at once");
        Assert.True(Changed(retried).IsVoter(3), "a retried change succeeds at once");

        var clash = Change(replicas, leader, MembershipChange.AddLearner("n3", "http://elsewhere:7000"));
        Assert.Equal(ReplicaOutcomeKind.Refused, clash.Result.Kind);
        Assert.Contains("is a member already", clash.Result.Message, StringComparison.Ordinal);

        replicas.RunUntil(() => joiner.LeaderId == leader, "the new voter follows the leader");
        var atFollower = Change(replicas, 3, MembershipChange.Remove(leader));
        Assert.Equal(ReplicaOutcomeKind.NotLeader, atFollower.Result.Kind);
        Assert.Equal(leader, atFollower.Result.LeaderHint);
    }

    [Fact]
    public void Removing_the_leader_hands_the_leadership_to_another_voter_first()
    {
        using var replicas = StartThree();
        replicas.Write("a");
        int leader = replicas.Leader!.NodeId;
        replicas.RunUntil(() => Enumerable.Range(0, 3).All(n => replicas.Applied(n).Count == 1), "every node applied the write");

        var refused = Change(replicas, leader, MembershipChange.Remove(leader));
        Assert.Equal(ReplicaOutcomeKind.NotLeader, refused.Result.Kind);
        int successor = refused.Result.LeaderHint;
        Assert.NotEqual(leader, successor);
        Assert.True(Three.IsVoter(successor));
        replicas.RunUntil(() => replicas.Leader?.NodeId == successor, "the successor takes over");

        var removed = Change(replicas, successor, MembershipChange.Remove(leader));
        replicas.RunUntil(() => removed.Ended, "the removal is applied");
        Assert.False(Changed(removed).IsMember(leader));
        Assert.False(replicas[successor].IsRemoved);
        replicas.Write("b");
        replicas.Run(50);
        Assert.Equal(successor, replicas.Leader?.NodeId);
    }

    [Fact]
    public void Snapshots_carry_the_membership_to_a_joiner_and_through_restarts()
    {
        using var replicas = StartThree(snapshotInterval: 4);
        int leader = replicas.Leader!.NodeId;
        var added = Change(replicas, leader, MembershipChange.AddLearner("n3", "http://n3:7000"));
        replicas.RunUntil(() => added.Ended, "the addition is applied");
        for (int i = 0; i < 12; i++)
        {
            replicas.Write($"w{i}");
        }
        Assert.True(replicas[leader].AppliedSlot > 8);

        ReplicaNode joiner = replicas.Start(3, Membership.Unknown); // the leader's log before its snapshot is gone: it sends the snapshot
        replicas.RunUntil(() => replicas.Applied(3).Count == 12, "the joiner catches up");
        Assert.True(joiner.Membership.ContentEquals(Changed(added)), joiner.Membership.ToString());
        Assert.True(joiner.CommittedMembership.ContentEquals(Changed(added)), "the installed snapshot's membership is the core's");

        replicas.Stop(leader);
        replicas.Stop(3);
        Assert.True(replicas.Start(leader, Membership.OfSize(5)).Membership.ContentEquals(Changed(added)));
        Assert.True(replicas.Start(3, Membership.Unknown).Membership.ContentEquals(Changed(added)));
    }

    [Fact]
    public void A_node_whose_membership_no_longer_holds_it_reports_it_was_removed()
    {
        using var replicas = new LocalReplicas();
        var withoutNode0 = new Membership(5, [new Member(1, "n1", "http://n1:7000", true), new Member(2, "n2", "http://n2:7000", true)], 3);
        new ReplicaSnapshots(new SnapshotStore(replicas.SnapshotDirectory(0))).Take(new RecordingStateMachine().WriteSnapshot, 5, 0, withoutNode0);

        ReplicaNode node = replicas.Start(0, Three);

        Assert.True(node.IsRemoved);
        Assert.True(node.Status(0).IsRemoved);
        Assert.True(node.Membership.ContentEquals(withoutNode0));
        Assert.False(replicas.Start(1, Three).IsRemoved);
    }

    [Fact]
    public void A_snapshot_written_before_memberships_were_kept_restores_with_the_founding_membership()
    {
        using var replicas = new LocalReplicas();
        byte[] metadata = new byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64LittleEndian(metadata, 2); // the command index: the only metadata then
        new SnapshotStore(replicas.SnapshotDirectory(0)).Write(3, metadata, "a\nb"u8);

        ReplicaNode node = replicas.Start(0, One);

        Assert.Equal(3ul, node.AppliedSlot);
        Assert.Equal(["a", "b"], replicas.Applied(0));
        Assert.True(node.Membership.ContentEquals(One));
        replicas.RunUntil(() => replicas.Leader is not null, "node 0 leads");
        replicas.Write("c");
        Assert.Equal(["a", "b", "c"], replicas.Applied(0));
    }

    [Theory]
    [InlineData("repeated number")]
    [InlineData("membership above the snapshot")]
    [InlineData("unknown format")]
    [InlineData("truncated")]
    [InlineData("short")]
    public void A_received_snapshot_with_a_bad_membership_is_refused_before_anything_is_written(string flaw)
    {
        using var replicas = new LocalReplicas();
        var snapshots = new ReplicaSnapshots(new SnapshotStore(replicas.SnapshotDirectory(0)));
        snapshots.Take(new RecordingStateMachine().WriteSnapshot, 5, 0, Three.At(4));
        byte[] metadata = [.. Assert.IsType<SnapshotReader>(snapshots.OpenLatest()).Metadata.Span];
        ulong slot = 5;
        switch (flaw)
        {
            case "repeated number": metadata[sizeof(ulong) + 1 + 10 + 2 + 2 + 2 + 2 + 14] = 0; break; // the second member (after n0 and its url) gets number 0
            case "membership above the snapshot": slot = 3; break;
            case "unknown format": metadata[sizeof(ulong)] = 2; break;
            case "truncated": metadata = metadata[..^1]; break;
            default: metadata = metadata[..7]; break;
        }

        Assert.Throws<InvalidDataException>(() => snapshots.BeginReceive(slot, metadata));
        Assert.Equal([5L], new SnapshotStore(replicas.SnapshotDirectory(0)).ListIndexes());
    }

    /// <summary>Nodes 0..2 founding a cluster, run until one leads.</summary>
    private static LocalReplicas StartThree(ulong snapshotInterval = 1000)
    {
        var replicas = new LocalReplicas(snapshotInterval);
        for (int number = 0; number < 3; number++)
        {
            replicas.Start(number, Three);
        }
        replicas.RunUntil(() => replicas.Leader is not null, "a leader is elected");
        return replicas;
    }

    private static Reply<ReplicaOutcome<Membership>> Change(LocalReplicas replicas, int at, MembershipChange change)
    {
        var reply = new Reply<ReplicaOutcome<Membership>>();
        replicas.Input(at, node => node.ChangeMembership(change, reply));
        return reply;
    }

    /// <summary>The membership a change that ended done was answered with.</summary>
    private static Membership Changed(Reply<ReplicaOutcome<Membership>> reply)
    {
        Assert.True(reply.Ended, "the change ended");
        Assert.Null(reply.Error);
        Assert.True(reply.Result.IsDone, reply.Result.ToString());
        return reply.Result.Value;
    }
}
