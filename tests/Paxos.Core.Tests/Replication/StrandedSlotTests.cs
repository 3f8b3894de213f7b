using Paxos.Core.Replication;
using static Paxos.Core.Tests.Replication.ReplicaTestKit;

namespace Paxos.Core.Tests.Replication;

/// <summary>
/// A slot that a deposed leader accepted alone, above every slot its successor proposes in, is
/// decided by the successor even when no new command comes: otherwise the command's proposer
/// waits for it forever.
/// </summary>
public sealed class StrandedSlotTests
{
    [Fact]
    public void AnIdleLeaderDecidesSlotsOnlyADeposedLeaderAcceptedWithNoOps()
    {
        ReplicaCore[] nodes = [NewCore(0), NewCore(1), NewCore(2)];

        // Node 0 leads in ballot b1 with node 1's promise; none of its Accepts arrives anywhere.
        ElectWithOnePromise(nodes, candidate: 0, voter: 1);
        foreach (string command in new[] { "c1", "c2", "c3" })
        {
            Assert.Equal(ProposeStatus.Accepted, nodes[0].Propose(Bytes(command)).Status);
        }

        Drain(nodes[0]);
        Drain(nodes[0]);
        Assert.Equal(3ul, nodes[0].LastAcceptedSlot); // read barrier, then c1+c2, then c3

        // Node 1 leads in a higher ballot with node 2's promise: its read barrier is slot 1.
        Settle(nodes, isLost: _ => true);
        ElectWithOnePromise(nodes, candidate: 1, voter: 2);

        // Everything is delivered from now on, and no command comes.
        var applied = new List<LogEntry>[nodes.Length];
        for (int i = 0; i < nodes.Length; i++)
        {
            applied[i] = [];
        }

        for (int tick = 0; tick < 3 * ElectionTicks; tick++)
        {
            List<LogEntry>[] round = Settle(nodes, isLost: _ => false);
            for (int i = 0; i < nodes.Length; i++)
            {
                applied[i].AddRange(round[i]);
                nodes[i].Tick();
            }
        }

        Assert.Equal(ReplicaRole.Leader, nodes[1].Role);
        foreach (ReplicaCore node in nodes)
        {
            Assert.Equal(3ul, node.CommitIndex);
            Assert.Equal(3ul, node.LastAcceptedSlot);
        }

        // Node 0 learns that neither of its commands was chosen: its callers get an answer.
        Assert.Equal([1ul, 2ul, 3ul], applied[0].Select(entry => entry.Slot));
        Assert.All(applied[0], entry => Assert.True(entry.Value.IsNoOp));
    }

    [Fact]
    public void StrandedSlotsAreDecidedOnlyWithinTheWindow()
    {
        ReplicaCore leader = EstablishedLeader(window: 4);
        Heartbeat beat = SingleTo<Heartbeat>(TickAndDrain(leader), 1);

        leader.Step(new HeartbeatReply(1, 0, beat.Ballot, beat.Round, 0, ulong.MaxValue));
        Ready fill = Drain(leader);

        Assert.Equal([2ul, 3ul, 4ul, 5ul], SingleTo<Accept>(fill, 1).Entries.Select(entry => entry.Slot));
        Assert.All(fill.Entries, entry => Assert.True(entry.Value.IsNoOp));
        Assert.Equal(ProposeStatus.Busy, leader.Propose(Bytes("x")).Status);
    }

    [Fact]
    public void TheOpenBatchKeepsItsSlotAndLaterCommandsGoAfterTheFilledOnes()
    {
        ReplicaCore leader = EstablishedLeader();
        Assert.Equal(2ul, leader.Propose(Bytes("x")).Slot);

        leader.Step(new HeartbeatReply(1, 0, leader.Promised, 0, 1, 3));
        ProposeResult later = leader.Propose(Bytes("y"));
        Ready ready = Drain(leader);

        Assert.Equal(4ul, later.Slot);
        Assert.Equal([2ul, 3ul, 4ul], ready.Entries.Select(entry => entry.Slot));
        Assert.True(ready.Entries[0].Value.SameCommands(Value("x")));
        Assert.True(ready.Entries[1].Value.IsNoOp);
        Assert.True(ready.Entries[2].Value.SameCommands(Value("y")));
    }

    /// <summary>Ticks <paramref name="candidate"/> into phase 1 and gives it the promise of <paramref name="voter"/> alone.</summary>
    private static void ElectWithOnePromise(ReplicaCore[] nodes, int candidate, int voter)
    {
        nodes[voter].Step(SingleTo<Prepare>(StartElection(nodes[candidate]), voter));
        nodes[candidate].Step(SingleTo<Promise>(Drain(nodes[voter]), candidate));
        Assert.Equal(ReplicaRole.Leader, nodes[candidate].Role);
    }
}
