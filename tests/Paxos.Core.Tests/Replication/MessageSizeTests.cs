using Paxos.Core.Replication;
using static Paxos.Core.Tests.Replication.ReplicaTestKit;

namespace Paxos.Core.Tests.Replication;

/// <summary>
/// Every message fits in <see cref="ReplicaOptions.MaxMessageBytes"/> (issue 15: 1 MiB slots in
/// 64-slot Accepts, CatchUps and Promises exceeded gRPC's 4 MiB and the cluster re-elected forever).
/// Here a message holds two slots of one 64-byte command, not three.
/// </summary>
public sealed class MessageSizeTests
{
    /// <summary>Room for two entries of one 64-byte command, short of a third.</summary>
    private static readonly int Budget = (int)(2 * WireSize.EntryBound(1, 64)) + 10;

    private static ReplicaOptions Small(int node, int size = 3) =>
        Options(node, size) with { MaxMessageBytes = WireSize.MessageOverheadBytes + Budget };

    private static byte[] Command(byte tag) => Enumerable.Repeat(tag, 64).ToArray();

    private static long Bytes(IReadOnlyList<LogEntry> entries) => entries.Sum(WireSize.Of);

    [Fact]
    public void OptionsWhoseLargestSlotDoesNotFitInAMessageAreRefusedAtStartUp()
    {
        ReplicaOptions tooSmall = Options(0) with { MaxMessageBytes = WireSize.MessageOverheadBytes + 100 };

        Assert.Throws<InvariantViolationException>(() => new ReplicaCore(tooSmall, new FixedRandomSource(0), DurableState.Empty));
    }

    [Fact]
    public void ACommandAboveTheBatchLimitFillsASlotAloneUpToTheCommandLimit()
    {
        ReplicaCore leader = EstablishedLeader(Options(0) with { MaxCommandBytes = 100 });

        Assert.Equal(2ul, leader.Propose(new byte[10]).Slot);
        Assert.Equal(3ul, leader.Propose(new byte[100]).Slot);
        Assert.Equal(4ul, leader.Propose(new byte[10]).Slot);
        Assert.Equal(ProposeStatus.TooLarge, leader.Propose(new byte[101]).Status);
    }

    [Fact]
    public void AcceptsAndCatchUpsCarryOnlyAsManySlotsAsFitInOneMessage()
    {
        ReplicaCore leader = EstablishedLeader(Small(0));
        for (byte i = 0; i < 6; i++)
        {
            Assert.Equal(2ul + i, leader.Propose(Command(i)).Slot);
        }

        Ready eager = Drain(leader); // to node 1 at once, to the lazy node 2 with the next heartbeat
        Ready lazy = TickAndDrain(leader);
        foreach ((int follower, Ready ready) in new[] { (1, eager), (2, lazy) })
        {
            List<Accept> accepts = [.. MessagesOf<Accept>(ready).Where(m => m.To == follower)];
            Assert.All(accepts, m => Assert.InRange(Bytes(m.Entries), 1, Budget));
            Assert.Equal([2ul, 3ul, 4ul, 5ul, 6ul, 7ul], accepts.SelectMany(m => m.Entries).Select(e => e.Slot));
        }

        AcknowledgeAccepts(leader, eager);
        Drain(leader);
        Assert.Equal(7ul, leader.CommitIndex);

        leader.Step(new CatchUpRequest(2, 0, 2));
        CatchUp catchUp = SingleTo<CatchUp>(Drain(leader), 2);
        Assert.Equal([2ul, 3ul], catchUp.Entries.Select(e => e.Slot));
        Assert.InRange(Bytes(catchUp.Entries), 1, Budget);
    }

    [Fact]
    public void APromiseTooLargeForOneMessageComesInPartsAndCountsOnceAllArrivedInAnyOrder()
    {
        // Node 1 accepted six full slots of node 0's ballot, none known chosen; node 2 runs for leader.
        var old = new Ballot(1, 0);
        ReplicaCore acceptor = new(Small(1), new FixedRandomSource(0), DurableState.Empty);
        LogEntry[] accepted = [.. Enumerable.Range(1, 6).Select(i => new LogEntry((ulong)i, old, new SlotValue([Command((byte)i)], old)))];
        acceptor.Step(new Accept(0, 1, old, 0, accepted));
        Drain(acceptor);

        ReplicaCore candidate = new(Small(2), new FixedRandomSource(0), DurableState.Empty);
        acceptor.Step(SingleTo<Prepare>(StartElection(candidate), 1));
        List<Promise> parts = MessagesOf<Promise>(Drain(acceptor));

        Assert.Equal(3, parts.Count);
        Assert.All(parts, part => Assert.InRange(Bytes(part.Accepted), 1, Budget));
        Assert.Equal(1ul, parts[0].FirstSlot);
        Assert.Equal(parts[0].LastSlot + 1, parts[1].FirstSlot);
        Assert.Equal(parts[1].LastSlot + 1, parts[2].FirstSlot);
        Assert.Equal(ulong.MaxValue, parts[2].LastSlot);

        // The last part, twice, and the first: a gap remains, the promise does not count yet.
        candidate.Step(parts[2]);
        candidate.Step(parts[2]);
        candidate.Step(parts[0]);
        Assert.Equal(ReplicaRole.Candidate, candidate.Role);

        candidate.Step(parts[1]);
        Assert.Equal(ReplicaRole.Leader, candidate.Role);
        Ready recovered = Drain(candidate);
        List<LogEntry> reproposed = [.. MessagesOf<Accept>(recovered).Where(m => m.To == 1).SelectMany(m => m.Entries)];
        for (int i = 0; i < accepted.Length; i++)
        {
            Assert.True(reproposed[i].Value.ContentEquals(accepted[i].Value));
        }
    }
}
