using Paxos.Core.Replication;
using static Paxos.Core.Tests.Replication.ReplicaTestKit;

namespace Paxos.Core.Tests.Replication;

/// <summary>
/// A new leader gets the values of slots it knows chosen even when the only node that reported them
/// chosen fails before answering its catch-up: the values are with acceptors that do not know them
/// chosen, and a phase 1 re-run in the leader's ballot recovers them.
/// </summary>
public sealed class ChosenRecoveryTests
{
    [Fact]
    public void ALeaderRecoversChosenValuesWhoseOnlyKnowingHolderFailed()
    {
        ReplicaCore[] nodes = [.. Enumerable.Range(0, 5).Select(i => NewCore(i, size: 5, window: 16))];
        bool[] down = new bool[5];
        Func<ReplicaMessage, bool> cut = _ => false;
        bool Lost(ReplicaMessage m) => down[m.From] || down[m.To] || cut(m);

        // Node 0 leads with every promise; its read barrier, slot 1, is chosen everywhere.
        Campaign(nodes, 0, Lost);
        Assert.Equal(ReplicaRole.Leader, nodes[0].Role);
        nodes[0].Tick();
        Settle(nodes, Lost);
        Assert.All(nodes, node => Assert.Equal(1ul, node.CommitIndex));

        // Slots 2-11 are chosen by node 0 and its eager followers 1 and 2; only 1 learns it.
        byte[][] commands = [.. Enumerable.Range(0, 10).Select(i => Enumerable.Repeat((byte)i, 40).ToArray())];
        foreach (byte[] command in commands)
        {
            nodes[0].Propose(command);
        }

        cut = m => m.From == 0 && m.To is 3 or 4;
        Settle(nodes, Lost);
        Assert.Equal(11ul, nodes[0].CommitIndex);
        cut = m => m.From == 0 && m.To != 1;
        nodes[0].Tick();
        Settle(nodes, Lost);
        Assert.Equal(11ul, nodes[1].CommitIndex);
        Assert.Equal(1ul, nodes[2].CommitIndex);
        Assert.Equal(11ul, nodes[2].LastAcceptedSlot);

        // Node 0 fails; node 3 wins with the promises of 1 and 4; node 1 fails before answering its catch-up.
        down[0] = true;
        cut = m => m.To == 2 || (m.From == 1 && m is CatchUp);
        Campaign(nodes, 3, Lost);
        Assert.Equal(ReplicaRole.Leader, nodes[3].Role);
        down[1] = true;
        cut = _ => false;

        // Nodes 2, 3 and 4 are a quorum, and node 2 holds the values.
        for (int tick = 0; tick < 6 * ElectionTicks; tick++)
        {
            foreach (int live in new[] { 2, 3, 4 })
            {
                nodes[live].Tick();
            }

            Settle(nodes, Lost);
        }

        Assert.Equal(ReplicaRole.Leader, nodes[3].Role);
        foreach (int live in new[] { 2, 3, 4 })
        {
            Assert.True(nodes[live].CommitIndex >= 12, $"node {live} committed up to {nodes[live].CommitIndex}");
            for (int i = 0; i < commands.Length; i++)
            {
                Assert.True(nodes[live].TryGetEntry(2ul + (ulong)i, out LogEntry entry));
                Assert.Equal(commands[i], Assert.Single(entry.Value.Commands).ToArray());
            }
        }
    }

    /// <summary>Ticks <paramref name="candidate"/> into phase 1 and settles the cluster.</summary>
    private static void Campaign(ReplicaCore[] nodes, int candidate, Func<ReplicaMessage, bool> isLost)
    {
        foreach (ReplicaMessage prepare in StartElection(nodes[candidate]).Messages.Where(m => !isLost(m)))
        {
            nodes[prepare.To].Step(prepare);
        }

        Settle(nodes, isLost);
    }
}
