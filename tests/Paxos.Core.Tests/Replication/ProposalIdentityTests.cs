using Paxos.Core.Replication;
using static Paxos.Core.Tests.Replication.ReplicaTestKit;

namespace Paxos.Core.Tests.Replication;

/// <summary>
/// "Was my command chosen" is decided by the batch's identity (slot, origin, position), not by its
/// bytes: two clients' identical commands proposed by two leaders in turn are one execution, told
/// to one caller only.
/// </summary>
public sealed class ProposalIdentityTests
{
    [Fact]
    public void Identical_commands_of_two_leaders_in_one_slot_tell_only_the_chosen_ones_caller()
    {
        ReplicaCore[] nodes = [NewCore(0), NewCore(1), NewCore(2)];
        var books = new[] { new ProposalBook<string>(), new ProposalBook<string>(), new ProposalBook<string>() };
        byte[] casOfAbsentKey = Bytes("cas k absent -> v"); // no client id: no exactly-once dedup

        // n0 is elected with n1's promise, takes the command, and is cut off before any Accept leaves.
        Ready prepares = StartElection(nodes[0]);
        nodes[1].Step(SingleTo<Prepare>(prepares, 1));
        nodes[0].Step(SingleTo<Promise>(Drain(nodes[1]), 0));
        Assert.Equal(ReplicaRole.Leader, nodes[0].Role);
        ProposeResult first = nodes[0].Propose(casOfAbsentKey);
        books[0].Propose(first.Slot, first.Origin, first.Position, "n0's caller");
        Drain(nodes[0]);

        // n1 is elected by n2 and takes an identical command from another client into the same slot.
        bool CutOff(ReplicaMessage m) => m.From == 0 || m.To == 0;
        Tick(nodes[1], 2 * ElectionTicks);
        Settle(nodes, CutOff);
        Assert.Equal(ReplicaRole.Leader, nodes[1].Role);
        ProposeResult second = nodes[1].Propose(casOfAbsentKey);
        Assert.Equal((first.Slot, first.Position), (second.Slot, second.Position));
        books[1].Propose(second.Slot, second.Origin, second.Position, "n1's caller");
        List<LogEntry>[] applied = Settle(nodes, CutOff);

        // n0 rejoins, learns the slot holds n1's batch, and applies it.
        nodes[1].Tick();
        List<LogEntry>[] appliedAfterHeal = Settle(nodes, _ => false);

        var told = new List<string>();
        for (int node = 0; node < nodes.Length; node++)
        {
            foreach (LogEntry entry in applied[node].Concat(appliedAfterHeal[node]))
            {
                ProposalBook<string>.SlotWaiters waiting = books[node].Settle(entry);
                for (int position = 0; position < entry.Value.Commands.Count; position++)
                {
                    if (waiting.TryGetChosen(position, out string caller))
                    {
                        told.Add(caller);
                    }
                }
            }
        }

        Assert.True(nodes[0].AppliedIndex >= first.Slot, "n0 applied the contested slot");
        Assert.Equal(["n1's caller"], told);
    }
}
