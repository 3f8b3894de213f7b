using Google.Protobuf;
using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.Transport.Replication;
using Wire = Paxos.Transport.V1;

namespace Paxos.Fuzz.Afl;

/// <summary>
/// Peer messages as node 0 of a 3-node cluster receives them from node 1: the first byte's low bit
/// picks a follower or a leader, the rest is a delivery. It either fails to parse
/// (<see cref="InvalidProtocolBufferException"/>), is refused by <see cref="ReplicaWire"/>
/// (<see cref="InvalidDataException"/>, <see cref="PeerIdentityException"/>), or is handed to the
/// replica, which must take every message the wire lets through without tripping an invariant.
/// </summary>
public static class PeerDeliveryTarget
{
    private static readonly Ballot Old = new(5, 1);
    private static readonly Ballot Led = new(6, 0);     // the ballot the leader replica below wins
    private static readonly Ballot Higher = new(7, 1);  // node 1 campaigning or leading above it

    /// <summary>
    /// The core's invariants that a well-formed message can only break by contradicting what a quorum
    /// chose: a value chosen twice, or (found by AFL, Crashes/peer-delivery) a member that reports a
    /// commit index and then, in the leader's phase 1 re-run, promises with none of those slots accepted.
    /// </summary>
    private static readonly string[] ContradictsWhatIsChosen =
        ["a chosen slot's value never changes", "a chosen slot is reported by an acceptor of every quorum above its commit index"];

    public static FuzzTarget Target { get; } = new("peer-delivery", Seeds, Take,
        typeof(InvalidProtocolBufferException), typeof(InvalidDataException), typeof(PeerIdentityException));

    /// <summary>Valid deliveries, each of one kind of message and one of all of them.</summary>
    public static IReadOnlyList<Wire.DeliverRequest> ValidDeliveries { get; } = MakeDeliveries();

    /// <summary>The input for <see cref="Take"/>: which replica, then the delivery's bytes.</summary>
    public static byte[] Input(bool leader, byte[] delivery) => [leader ? (byte)1 : (byte)0, .. delivery];

    private static IReadOnlyList<byte[]> Seeds() =>
        [.. ValidDeliveries.SelectMany(d => new[] { Input(false, d.ToByteArray()), Input(true, d.ToByteArray()) })];

    private static void Take(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }
        var messages = ReplicaWire.FromWire(Wire.DeliverRequest.Parser.ParseFrom(input.AsSpan(1)), self: 0, clusterSize: 3);
        try
        {
            var core = (input[0] & 1) == 1 ? Leader() : Follower();
            foreach (var message in messages.Where(m => m is not (ForwardProposal or ForwardResult)))
            {
                core.Step(message);
                Drain(core);
                core.Tick();
                Drain(core);
            }
        }
        catch (InvariantViolationException e) when (ContradictsWhatIsChosen.Any(e.Message.Contains))
        {
            // A peer that reports another value chosen than this node knows chosen: only a
            // lying or corrupted member can, and the node stops rather than trust either.
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"the replica failed on a delivery the wire let through: {string.Join(", ", messages)}", e);
        }
    }

    private static LogEntry Entry(ulong slot, Ballot ballot, params byte[][] commands) =>
        new(slot, ballot, commands.Length == 0 ? SlotValue.NoOp : new SlotValue([.. commands.Select(c => (ReadOnlyMemory<byte>)c)], ballot));

    private static Wire.DeliverRequest[] MakeDeliveries()
    {
        ReplicaMessage[][] deliveries =
        [
            [new Prepare(1, 0, Higher, 3)],
            [new Accept(1, 0, Higher, 2, [Entry(3, Higher, [1, 2, 3]), Entry(4, Higher), Entry(5, Higher, [4], [5, 6])])],
            [new Heartbeat(1, 0, Higher, 4, 1), new CatchUpRequest(1, 0, 1)],
            [new Promise(1, 0, Led, 2, [Entry(3, Old, [9])]), new Promise(1, 0, Led, 2, [Entry(4, Old)], 4, 9)],
            [new AcceptReply(1, 0, Led, [3, 4, 5], 2), new HeartbeatReply(1, 0, Led, 1, 2, 5, 2)],
            [new Accept(1, 0, Higher, 2, [new LogEntry(3, Higher, new SlotValue(Membership.OfSize(3).At(3), Higher))])],
            [new Promise(1, 0, Led, 2, [new LogEntry(3, Old, new SlotValue(Membership.OfSize(4), Old))], MembershipSlot: 0)],
            [new Nack(1, 0, Led, Higher), new PreVoteReply(1, 0, Led, true, Old)],
            [new CatchUp(1, 0, 4, [Entry(3, Old, [7]), Entry(4, Old)])],
            [new ReadIndexRequest(1, 0, 77), new ReadIndexReply(1, 0, Higher, 77, 2)],
            [new TakeOver(1, 0, Higher, 2), new PreVote(1, 0, Higher)],
            [new ForwardProposal(1, 0, 5, new byte[] { 1, 2 }), new ForwardResult(1, 0, 5, ForwardStatus.Applied, 3, 9, new byte[] { 3 }, 1)],
        ];
        return [.. deliveries.Select(Delivery), Delivery(deliveries.SelectMany(d => d))];
    }

    private static Wire.DeliverRequest Delivery(IEnumerable<ReplicaMessage> messages)
    {
        var request = new Wire.DeliverRequest { FromNode = 1, ToNode = 0 };
        request.Messages.AddRange(messages.Select(ReplicaWire.ToWire));
        return request;
    }

    private static ReplicaCore Follower() => new(Options, new FixedRandom(), new DurableState(
        new HardState(Old, 2), 0, [Entry(1, Old, [1]), Entry(2, Old), Entry(3, Old, [2, 2]), Entry(4, Old, [3])]));

    /// <summary>Node 0 wins ballot 6.0 with node 1's pre-vote and promise, and leads.</summary>
    private static ReplicaCore Leader()
    {
        var core = Follower();
        for (int step = 0; step < 100 && core.Role != ReplicaRole.Leader; step++)
        {
            if (!core.HasReady())
            {
                core.Tick();
                continue;
            }
            var ready = core.TakeReady();
            core.Advance(ready);
            foreach (var sent in ready.Messages.Where(m => m.To == 1))
            {
                switch (sent)
                {
                    case PreVote m:
                        core.Step(new PreVoteReply(1, 0, m.Ballot, true, Old));
                        break;
                    case Prepare m:
                        core.Step(new Promise(1, 0, m.Ballot, 2, [Entry(3, Old, [2, 2])]));
                        break;
                }
            }
        }
        if (core.Role != ReplicaRole.Leader || core.Promised != Led)
        {
            throw new InvalidOperationException($"the replica did not come to lead in {Led}: {core.Role} in {core.Promised}");
        }
        return core;
    }

    private static void Drain(ReplicaCore core)
    {
        while (core.HasReady())
        {
            core.Advance(core.TakeReady());
        }
    }

    private static ReplicaOptions Options => new() { NodeId = 0, ClusterSize = 3, ElectionTicks = 4 };

    private sealed class FixedRandom : IRandomSource
    {
        public int NextBelow(int maxExclusive) => 0;
    }
}
