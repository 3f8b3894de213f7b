using Google.Protobuf;
using Paxos.Core.Replication;
using Paxos.Transport.Replication;
using Paxos.Transport.V1;
using Ballot = Paxos.Core.Ballot;
using Member = Paxos.Core.Replication.Member;
using ForwardStatus = Paxos.Core.Replication.ForwardStatus;
using ReplicaMessage = Paxos.Core.Replication.ReplicaMessage;

namespace Paxos.Cluster.Tests;

/// <summary>Every message between replicas survives the trip through protobuf bytes unchanged.</summary>
public sealed class ReplicaWireTests
{
    private static readonly Ballot B = new(7, 2);
    private static readonly LogEntry[] Entries =
    [
        new(4, B, new SlotValue([new byte[] { 1, 2 }, Array.Empty<byte>()], new Ballot(2, 1))),
        new(5, B, SlotValue.NoOp),
    ];

    private static readonly LogEntry[] MembershipEntries =
    [
        new(6, B, new SlotValue(new Membership(6, [new Member(0, "a", "http://a:7000", true), new Member(3, "d", string.Empty, false)], 4), new Ballot(2, 1))),
    ];

    /// <summary>32 members, every name and url as long as allowed: the largest membership a slot can carry.</summary>
    private static Membership Largest(ulong slot) =>
        new(slot, Enumerable.Range(0, Membership.MaxNumbers).Select(i => new Member(
            i, $"{i:D2}{new string('é', (Membership.MaxNameBytes - 2) / 2)}", $"{i:D2}{new string('u', Membership.MaxUrlBytes - 2)}", IsVoter: i % 2 == 0)), Membership.MaxNumbers);

    public static TheoryData<ReplicaMessage> Messages() =>
    [
        new Prepare(2, 0, B, 4),
        new Promise(2, 0, B, 3, Entries),
        new Promise(2, 0, B, 3, Entries, 4, 5),
        new Nack(2, 0, new Ballot(1, 1), B),
        new Accept(2, 0, B, 3, Entries),
        new AcceptReply(2, 0, B, [4, 5], 3),
        new Heartbeat(2, 0, B, 3, 11),
        new HeartbeatReply(2, 0, B, 11, 3, 9),
        new HeartbeatReply(2, 0, B, 11, 3, 9, 8),
        new Promise(2, 0, B, 5, MembershipEntries, MembershipSlot: 2),
        new Accept(2, 0, B, 3, MembershipEntries),
        new CatchUp(2, 0, 6, [.. Entries, .. MembershipEntries]),
        new CatchUpRequest(2, 0, 4),
        new CatchUp(2, 0, 5, Entries),
        new ReadIndexRequest(2, 0, 638_999_000_000_000_001),
        new ReadIndexReply(2, 0, B, 638_999_000_000_000_001, 5),
        new TakeOver(2, 0, B, 12),
        new PreVote(2, 0, B),
        new PreVoteReply(2, 0, B, true, new Ballot(1, 1)),
        new PreVoteReply(2, 0, B, false, Ballot.Zero),
        new ForwardProposal(2, 0, 9, new byte[] { 3, 4, 5 }),
        new ForwardResult(2, 0, 9, ForwardStatus.Applied, 4, 17, new byte[] { 6 }, -1),
        new ForwardResult(2, 0, 10, ForwardStatus.NotLeader, 0, 0, ReadOnlyMemory<byte>.Empty, 1),
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void A_message_reads_back_as_itself(ReplicaMessage message)
    {
        var request = new DeliverRequest { FromNode = 2, ToNode = 0 };
        request.Messages.Add(ReplicaWire.ToWire(message));

        var back = Assert.Single(ReplicaWire.FromWire(DeliverRequest.Parser.ParseFrom(request.ToByteArray()), self: 0, clusterSize: 3));

        Assert.Equal(Describe(message), Describe(back));
    }

    public static TheoryData<ReplicaMessage> LargestMessages()
    {
        var ballot = new Ballot(ulong.MaxValue, 30);
        LogEntry[] entries =
        [
            new(ulong.MaxValue - 2, ballot, new SlotValue([new byte[(1 << 21) + 5]], ballot)),
            new(ulong.MaxValue - 1, ballot, new SlotValue([.. Enumerable.Repeat(new byte[200], 1024).Select(b => (ReadOnlyMemory<byte>)b)], ballot)),
            new(ulong.MaxValue, ballot, SlotValue.NoOp),
        ];
        // Many small slots: the per-entry overhead, not the per-message slack, must cover each one.
        LogEntry[] many = [.. Enumerable.Range(0, 256).Select(i => new LogEntry(ulong.MaxValue - (ulong)i, ballot, new SlotValue([new byte[1]], ballot)))];
        LogEntry[] memberships = [.. Enumerable.Range(0, 8).Select(i => new LogEntry(ulong.MaxValue - (ulong)i, ballot, new SlotValue(Largest(ulong.MaxValue - (ulong)i), ballot)))];
        return
        [
            new Accept(30, 29, ballot, ulong.MaxValue, memberships),
            new Promise(30, 29, ballot, ulong.MaxValue - 8, memberships, ulong.MaxValue - 7, ulong.MaxValue - 1, ulong.MaxValue - 8),
            new CatchUp(30, 29, ulong.MaxValue, [.. entries, .. memberships]),
            new Accept(30, 29, ballot, ulong.MaxValue, many),
            new Promise(30, 29, ballot, ulong.MaxValue - 3, entries, ulong.MaxValue - 2, ulong.MaxValue - 1),
            new Accept(30, 29, ballot, ulong.MaxValue, entries),
            new CatchUp(30, 29, ulong.MaxValue, entries),
            new HeartbeatReply(30, 29, ballot, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue),
        ];
    }

    [Theory]
    [MemberData(nameof(LargestMessages))]
    public void The_cores_size_bounds_cover_the_encoding_of_a_delivery(ReplicaMessage message)
    {
        var request = new DeliverRequest { FromNode = 30, ToNode = 29 };
        request.Messages.Add(ReplicaWire.ToWire(message));
        IReadOnlyList<LogEntry> entries = message switch
        {
            Promise m => m.Accepted,
            Accept m => m.Entries,
            CatchUp m => m.Entries,
            _ => [],
        };

        long bound = WireSize.MessageOverheadBytes + entries.Sum(WireSize.Of);

        Assert.True(request.CalculateSize() <= bound, $"{request.CalculateSize()} bytes encoded, bound {bound}");
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(99, 0)]
    [InlineData(1, 3)]
    [InlineData(1, -2)]
    public void A_forward_result_with_an_unknown_status_or_a_leader_outside_the_cluster_is_rejected(int status, int leaderHint)
    {
        var request = new DeliverRequest { FromNode = 2, ToNode = 0 };
        request.Messages.Add(new Paxos.Transport.V1.ReplicaMessage
        {
            ForwardResult = new ForwardResultMessage { Id = 1, Status = (Paxos.Transport.V1.ForwardStatus)status, LeaderHint = leaderHint },
        });

        Assert.Throws<InvalidDataException>(() => ReplicaWire.FromWire(request, self: 0, clusterSize: 3));
    }

    public static TheoryData<ReplicaMessage> MessagesInTheirSendersBallot() =>
    [
        new Prepare(2, 0, B, 4),
        new Accept(2, 0, B, 3, Entries),
        new Heartbeat(2, 0, B, 3, 11),
        new ReadIndexReply(2, 0, B, 1, 5),
        new TakeOver(2, 0, B, 12),
        new PreVote(2, 0, B),
    ];

    /// <summary>A node can only propose, lead or campaign in its own ballots: node 1 may not send node 2's.</summary>
    [Theory]
    [MemberData(nameof(MessagesInTheirSendersBallot))]
    public void A_message_in_another_nodes_ballot_than_its_senders_is_refused(ReplicaMessage message)
    {
        var request = new DeliverRequest { FromNode = 1, ToNode = 0 };
        request.Messages.Add(ReplicaWire.ToWire(new CatchUpRequest(1, 0, 1)));
        request.Messages.Add(ReplicaWire.ToWire(message));

        var refused = Assert.Throws<PeerIdentityException>(() => ReplicaWire.FromWire(request, self: 0, clusterSize: 3));

        Assert.Equal(PeerRefusal.BallotNotSender, refused.Reason);
        Assert.Contains("a ballot of node 2", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, 1, PeerRefusal.WrongRecipient)]
    [InlineData(0, 0, PeerRefusal.NotMember)]
    [InlineData(3, 0, PeerRefusal.NotMember)]
    [InlineData(-1, 0, PeerRefusal.NotMember)]
    public void A_delivery_to_another_node_or_from_a_non_member_is_refused(int from, int to, string reason)
    {
        var request = new DeliverRequest { FromNode = from, ToNode = to };
        request.Messages.Add(ReplicaWire.ToWire(new CatchUpRequest(from, to, 1)));

        Assert.Equal(reason, Assert.Throws<PeerIdentityException>(() => ReplicaWire.FromWire(request, self: 0, clusterSize: 3)).Reason);
    }

    /// <summary>
    /// Found by fuzzing: a node that promised round 2^64 - 1 finds no ballot above it, and stopped on
    /// an invariant the next time it campaigned, after every restart too (the promise is durable).
    /// </summary>
    [Fact]
    public void A_ballot_with_a_round_no_ballot_can_follow_is_malformed()
    {
        var request = new DeliverRequest { FromNode = 1, ToNode = 0 };
        request.Messages.Add(ReplicaWire.ToWire(new Prepare(1, 0, new Ballot(ulong.MaxValue, 1), 3)));

        var error = Assert.Throws<InvalidDataException>(() => ReplicaWire.FromWire(request, self: 0, clusterSize: 3));

        Assert.Contains($"the limit is {long.MaxValue}", error.Message, StringComparison.Ordinal);
        Assert.Throws<Grpc.Core.RpcException>(() => Paxos.Transport.SingleDecree.SingleDecreeWire.ParseReportedBallot(new Paxos.Transport.V1.Ballot { Round = ulong.MaxValue }));
    }

    /// <summary>The core asserts this of every Accept it handles; a peer's Accept that broke it would otherwise stop the node.</summary>
    [Fact]
    public void An_accept_carrying_a_slot_in_another_ballot_is_malformed()
    {
        var request = new DeliverRequest { FromNode = 2, ToNode = 0 };
        request.Messages.Add(ReplicaWire.ToWire(new Accept(2, 0, B, 3, [new LogEntry(4, new Ballot(6, 2), SlotValue.NoOp)])));

        var error = Assert.Throws<InvalidDataException>(() => ReplicaWire.FromWire(request, self: 0, clusterSize: 3));

        Assert.Contains("carries slot 4 in ballot 6.2", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A membership is checked by its own rules, and a slot carries either commands or a membership, composed by some leader.</summary>
    [Theory]
    [InlineData("repeated number")]
    [InlineData("next number too low")]
    [InlineData("empty name")]
    [InlineData("name too long")]
    [InlineData("url too long")]
    [InlineData("number out of range")]
    [InlineData("commands too")]
    [InlineData("no origin")]
    [InlineData("too many members")]
    public void A_slot_with_an_invalid_membership_is_malformed(string flaw)
    {
        var entry = new SlotEntry { Slot = 6, Ballot = new Paxos.Transport.V1.Ballot { Round = 7, NodeIndex = 2 }, Origin = new Paxos.Transport.V1.Ballot { Round = 7, NodeIndex = 2 } };
        var membership = new SlotMembership { NextNumber = 3 };
        membership.Members.Add(new SlotMember { Number = 0, Name = "a", Url = "http://a:1", Voter = true });
        membership.Members.Add(new SlotMember { Number = 2, Name = "c", Url = "http://c:1", Voter = false });
        switch (flaw)
        {
            case "repeated number": membership.Members[1].Number = 0; break;
            case "next number too low": membership.NextNumber = 2; break;
            case "empty name": membership.Members[1].Name = string.Empty; break;
            case "name too long": membership.Members[1].Name = new string('n', Membership.MaxNameBytes + 1); break;
            case "url too long": membership.Members[1].Url = new string('u', Membership.MaxUrlBytes + 1); break;
            case "number out of range": membership.Members[1].Number = Membership.MaxNumbers; membership.NextNumber = Membership.MaxNumbers + 1; break;
            case "commands too": entry.Commands.Add(ByteString.CopyFromUtf8("x")); break;
            case "no origin": entry.Origin = null; break;
            default: membership.Members.Add(Enumerable.Range(3, Membership.MaxNumbers).Select(i => new SlotMember { Number = i, Name = $"n{i}" })); break;
        }
        entry.Membership = membership;
        var accept = new AcceptMessage { Ballot = entry.Ballot, CommitIndex = 3 };
        accept.Entries.Add(entry);
        var request = new DeliverRequest { FromNode = 2, ToNode = 0 };
        request.Messages.Add(new Paxos.Transport.V1.ReplicaMessage { Accept = accept });

        Assert.Throws<InvalidDataException>(() => ReplicaWire.FromWire(request, self: 0, clusterSize: 3));
    }

    [Fact]
    public void A_promise_naming_a_membership_above_its_commit_index_is_malformed()
    {
        var request = new DeliverRequest { FromNode = 2, ToNode = 0 };
        request.Messages.Add(ReplicaWire.ToWire(new Promise(2, 0, B, 3, [], MembershipSlot: 4)));

        Assert.Contains("above its commit index 3", Assert.Throws<InvalidDataException>(() => ReplicaWire.FromWire(request, self: 0, clusterSize: 3)).Message, StringComparison.Ordinal);
    }

    /// <summary>Records compare lists by reference, so this spells out every field, entries included.</summary>
    private static string Describe(ReplicaMessage message) => message switch
    {
        Promise m => $"{m with { Accepted = [] }} {Describe(m.Accepted)}",
        Accept m => $"{m with { Entries = [] }} {Describe(m.Entries)}",
        CatchUp m => $"{m with { Entries = [] }} {Describe(m.Entries)}",
        AcceptReply m => $"{m with { Slots = [] }} [{string.Join(",", m.Slots)}]",
        ForwardProposal m => $"{m with { Command = default }} {Convert.ToHexString(m.Command.Span)}",
        ForwardResult m => $"{m with { Result = default }} {Convert.ToHexString(m.Result.Span)}",
        _ => message.ToString(),
    };

    private static string Describe(IReadOnlyList<LogEntry> entries) =>
        string.Join("; ", entries.Select(e => $"{e.Slot}@{e.Ballot} from {e.Value.Origin}:" + string.Join("|", e.Value.Commands.Select(c => Convert.ToHexString(c.Span)))
            + (e.Value.IsNoOp ? "no-op" : "") + (e.Value.Membership is { } membership ? $"{membership.At(e.Slot)} next {membership.NextNumber}" : "")));
}
