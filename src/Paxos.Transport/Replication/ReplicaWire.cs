using Google.Protobuf;
using Paxos.Core.Replication;
using Paxos.Transport.SingleDecree;
using CoreBallot = Paxos.Core.Ballot;
using Wire = Paxos.Transport.V1;

namespace Paxos.Transport.Replication;

/// <summary>
/// Maps Multi-Paxos replica messages between the core and protobuf. Everything arriving is
/// validated: node numbers in range, ballots present and well-formed (round at most
/// <see cref="WireLimits.MaxBallotRound"/>), batch sizes bounded, an
/// Accept's entries in its own ballot, and identity: the delivery is addressed to this node, comes
/// from another member, and every message that carries its sender's own ballot (Prepare, Accept,
/// Heartbeat, TakeOver, ReadIndexReply, PreVote) carries a ballot of the sender's node. A bad batch
/// is rejected whole with <see cref="InvalidDataException"/> (a <see cref="PeerIdentityException"/>
/// for identity) and never reaches the core.
/// </summary>
public static class ReplicaWire
{
    /// <summary>The most messages one Deliver call may carry.</summary>
    public const int MaxMessagesPerDelivery = 4096;

    /// <summary>The protobuf form of a core message, as sent on the peer stream.</summary>
    public static Wire.ReplicaMessage ToWire(ReplicaMessage message) => message switch
    {
        Prepare m => new Wire.ReplicaMessage { Prepare = new Wire.PrepareMessage { Ballot = B(m.Ballot), FromSlot = m.FromSlot } },
        Promise m => new Wire.ReplicaMessage
        {
            Promise = WithEntries(
                new Wire.PromiseMessage
                {
                    Ballot = B(m.Ballot), CommitIndex = m.CommitIndex, FirstSlot = m.FirstSlot, LastSlot = m.LastSlot == ulong.MaxValue ? 0 : m.LastSlot, MembershipSlot = m.MembershipSlot,
                },
                m.Accepted),
        },
        Nack m => new Wire.ReplicaMessage { Nack = new Wire.NackMessage { Rejected = B(m.Rejected), Promised = B(m.Promised) } },
        Accept m => new Wire.ReplicaMessage { Accept = WithEntries(new Wire.AcceptMessage { Ballot = B(m.Ballot), CommitIndex = m.CommitIndex }, m.Entries) },
        AcceptReply m => new Wire.ReplicaMessage { AcceptReply = WithSlots(new Wire.AcceptReplyMessage { Ballot = B(m.Ballot), CommitIndex = m.CommitIndex }, m.Slots) },
        Heartbeat m => new Wire.ReplicaMessage { Heartbeat = new Wire.HeartbeatMessage { Ballot = B(m.Ballot), CommitIndex = m.CommitIndex, Round = m.Round } },
        HeartbeatReply m => new Wire.ReplicaMessage { HeartbeatReply = new Wire.HeartbeatReplyMessage { Ballot = B(m.Ballot), Round = m.Round, CommitIndex = m.CommitIndex, LastAccepted = m.LastAccepted, AppliedIndex = m.AppliedIndex } },
        CatchUpRequest m => new Wire.ReplicaMessage { CatchUpRequest = new Wire.CatchUpRequestMessage { FromSlot = m.FromSlot } },
        CatchUp m => new Wire.ReplicaMessage { CatchUp = WithEntries(new Wire.CatchUpMessage { CommitIndex = m.CommitIndex }, m.Entries) },
        ReadIndexRequest m => new Wire.ReplicaMessage { ReadIndexRequest = new Wire.ReadIndexRequestMessage { Token = m.Token } },
        ReadIndexReply m => new Wire.ReplicaMessage { ReadIndexReply = new Wire.ReadIndexReplyMessage { Ballot = B(m.Ballot), Token = m.Token, Index = m.Index } },
        TakeOver m => new Wire.ReplicaMessage { TakeOver = new Wire.TakeOverMessage { Ballot = B(m.Ballot), CommitIndex = m.CommitIndex } },
        PreVote m => new Wire.ReplicaMessage { PreVote = new Wire.PreVoteMessage { Ballot = B(m.Ballot) } },
        PreVoteReply m => new Wire.ReplicaMessage { PreVoteReply = new Wire.PreVoteReplyMessage { Ballot = B(m.Ballot), Granted = m.Granted, Promised = B(m.Promised) } },
        ForwardProposal m => new Wire.ReplicaMessage { ForwardProposal = new Wire.ForwardProposalMessage { Id = m.Id, Command = UnsafeByteOperations.UnsafeWrap(m.Command) } },
        ForwardResult m => new Wire.ReplicaMessage
        {
            ForwardResult = new Wire.ForwardResultMessage
            {
                Id = m.Id,
                Status = (Wire.ForwardStatus)m.Status,
                Slot = m.Slot,
                CommandIndex = m.CommandIndex,
                Result = UnsafeByteOperations.UnsafeWrap(m.Result),
                LeaderHint = m.LeaderHint,
            },
        },
        _ => throw new ArgumentException($"unknown replica message {message.GetType().Name}", nameof(message)),
    };

    /// <summary>Converts a delivery to node <paramref name="self"/> of a <paramref name="clusterSize"/>-node cluster.</summary>
    /// <exception cref="InvalidDataException">Something in it is malformed.</exception>
    /// <exception cref="PeerIdentityException">It is not addressed to this node, not from another member, or a message carries another node's ballot as its sender's.</exception>
    public static List<ReplicaMessage> FromWire(Wire.DeliverRequest request, int self, int clusterSize)
    {
        if (request.ToNode != self)
        {
            throw new PeerIdentityException(PeerRefusal.WrongRecipient, $"delivery addressed to node {request.ToNode}, but this is node {self}");
        }
        if (request.FromNode < 0 || request.FromNode >= clusterSize || request.FromNode == self)
        {
            throw new PeerIdentityException(PeerRefusal.NotMember, $"delivery from node {request.FromNode}, which is not another node of this {clusterSize}-node cluster");
        }
        if (request.Messages.Count > MaxMessagesPerDelivery)
        {
            throw new InvalidDataException($"delivery carries {request.Messages.Count} messages; the limit is {MaxMessagesPerDelivery}");
        }
        int from = request.FromNode;
        var messages = new List<ReplicaMessage>(request.Messages.Count);
        foreach (var m in request.Messages)
        {
            messages.Add(m.BodyCase switch
            {
                Wire.ReplicaMessage.BodyOneofCase.Prepare => new Prepare(from, self, Own(m.Prepare.Ballot, from, clusterSize, "prepare"), m.Prepare.FromSlot),
                Wire.ReplicaMessage.BodyOneofCase.Promise => PromisePart(m.Promise, from, self, clusterSize),
                Wire.ReplicaMessage.BodyOneofCase.Nack => new Nack(from, self, Ballot(m.Nack.Rejected, clusterSize), Ballot(m.Nack.Promised, clusterSize)),
                Wire.ReplicaMessage.BodyOneofCase.Accept => AcceptPart(m.Accept, from, self, clusterSize),
                Wire.ReplicaMessage.BodyOneofCase.AcceptReply => new AcceptReply(from, self, Ballot(m.AcceptReply.Ballot, clusterSize), [.. m.AcceptReply.Slots], m.AcceptReply.CommitIndex),
                Wire.ReplicaMessage.BodyOneofCase.Heartbeat => new Heartbeat(from, self, Own(m.Heartbeat.Ballot, from, clusterSize, "heartbeat"), m.Heartbeat.CommitIndex, m.Heartbeat.Round),
                Wire.ReplicaMessage.BodyOneofCase.HeartbeatReply => new HeartbeatReply(from, self, Ballot(m.HeartbeatReply.Ballot, clusterSize), m.HeartbeatReply.Round, m.HeartbeatReply.CommitIndex, m.HeartbeatReply.LastAccepted, m.HeartbeatReply.AppliedIndex),
                Wire.ReplicaMessage.BodyOneofCase.CatchUpRequest => new CatchUpRequest(from, self, m.CatchUpRequest.FromSlot),
                Wire.ReplicaMessage.BodyOneofCase.CatchUp => new CatchUp(from, self, m.CatchUp.CommitIndex, Entries(m.CatchUp.Entries, clusterSize)),
                Wire.ReplicaMessage.BodyOneofCase.ReadIndexRequest => new ReadIndexRequest(from, self, m.ReadIndexRequest.Token),
                Wire.ReplicaMessage.BodyOneofCase.ReadIndexReply => new ReadIndexReply(from, self, Own(m.ReadIndexReply.Ballot, from, clusterSize, "read index reply"), m.ReadIndexReply.Token, m.ReadIndexReply.Index),
                Wire.ReplicaMessage.BodyOneofCase.TakeOver => new TakeOver(from, self, Own(m.TakeOver.Ballot, from, clusterSize, "take-over"), m.TakeOver.CommitIndex),
                Wire.ReplicaMessage.BodyOneofCase.PreVote => new PreVote(from, self, Own(m.PreVote.Ballot, from, clusterSize, "pre-vote")),
                Wire.ReplicaMessage.BodyOneofCase.PreVoteReply => new PreVoteReply(from, self, Ballot(m.PreVoteReply.Ballot, clusterSize), m.PreVoteReply.Granted, Ballot(m.PreVoteReply.Promised, clusterSize)),
                Wire.ReplicaMessage.BodyOneofCase.ForwardProposal => new ForwardProposal(from, self, m.ForwardProposal.Id, m.ForwardProposal.Command.Memory),
                Wire.ReplicaMessage.BodyOneofCase.ForwardResult => Result(m.ForwardResult, from, self, clusterSize),
                _ => throw new InvalidDataException("replica message with no body"),
            });
        }
        return messages;
    }

    private static Promise PromisePart(Wire.PromiseMessage m, int from, int self, int clusterSize)
    {
        ulong last = m.LastSlot == 0 ? ulong.MaxValue : m.LastSlot;
        if (m.FirstSlot > last)
        {
            throw new InvalidDataException($"promise part covers slots {m.FirstSlot}..{last}, an empty range");
        }
        List<LogEntry> accepted = Entries(m.Accepted, clusterSize);
        foreach (LogEntry entry in accepted)
        {
            if (entry.Slot < m.FirstSlot || entry.Slot > last || entry.Slot <= m.CommitIndex)
            {
                throw new InvalidDataException($"promise part for slots {m.FirstSlot}..{last} above commit index {m.CommitIndex} reports slot {entry.Slot}");
            }
        }
        if (m.MembershipSlot > m.CommitIndex)
        {
            throw new InvalidDataException($"promise names the membership chosen at slot {m.MembershipSlot}, above its commit index {m.CommitIndex}");
        }
        return new Promise(from, self, Ballot(m.Ballot, clusterSize), m.CommitIndex, accepted, m.FirstSlot, last, m.MembershipSlot);
    }

    private static Accept AcceptPart(Wire.AcceptMessage m, int from, int self, int clusterSize)
    {
        CoreBallot ballot = Own(m.Ballot, from, clusterSize, "accept");
        List<LogEntry> entries = Entries(m.Entries, clusterSize);
        foreach (LogEntry entry in entries)
        {
            if (entry.Ballot != ballot)
            {
                throw new InvalidDataException($"accept in ballot {ballot} carries slot {entry.Slot} in ballot {entry.Ballot}");
            }
        }
        return new Accept(from, self, ballot, m.CommitIndex, entries);
    }

    private static ForwardResult Result(Wire.ForwardResultMessage m, int from, int self, int clusterSize)
    {
        if (m.Status is Wire.ForwardStatus.Unspecified || !Enum.IsDefined(m.Status))
        {
            throw new InvalidDataException($"forward result with status {(int)m.Status}, which is not a ForwardStatus");
        }
        if (m.LeaderHint < -1 || m.LeaderHint >= clusterSize)
        {
            throw new InvalidDataException($"forward result names node index {m.LeaderHint} as leader, which is not a node of this {clusterSize}-node cluster");
        }
        return new ForwardResult(from, self, m.Id, (ForwardStatus)m.Status, m.Slot, m.CommandIndex, m.Result.Memory, m.LeaderHint);
    }

    private static Wire.Ballot B(CoreBallot ballot) => SingleDecreeWire.ToWire(ballot);

    private static CoreBallot Ballot(Wire.Ballot? ballot, int clusterSize)
    {
        if (ballot is null)
        {
            throw new InvalidDataException("ballot is missing");
        }
        if (ballot.NodeIndex < 0 || ballot.NodeIndex >= clusterSize)
        {
            throw new InvalidDataException($"ballot names node index {ballot.NodeIndex}, which is not a node of this {clusterSize}-node cluster");
        }
        if (ballot.Round > WireLimits.MaxBallotRound)
        {
            throw new InvalidDataException($"ballot has round {ballot.Round}; the limit is {WireLimits.MaxBallotRound}");
        }
        return new CoreBallot(ballot.Round, ballot.NodeIndex);
    }

    /// <summary>The ballot of a message that carries its sender's own ballot: it must be a ballot of node <paramref name="from"/>.</summary>
    private static CoreBallot Own(Wire.Ballot? ballot, int from, int clusterSize, string what)
    {
        CoreBallot own = Ballot(ballot, clusterSize);
        if (own.NodeId != from)
        {
            throw new PeerIdentityException(PeerRefusal.BallotNotSender, $"{what} from node {from} in ballot {own}, a ballot of node {own.NodeId}");
        }
        return own;
    }

    private static List<LogEntry> Entries(Google.Protobuf.Collections.RepeatedField<Wire.SlotEntry> entries, int clusterSize)
    {
        var result = new List<LogEntry>(entries.Count);
        foreach (var entry in entries)
        {
            var commands = new ReadOnlyMemory<byte>[entry.Commands.Count];
            for (int i = 0; i < commands.Length; i++)
            {
                commands[i] = entry.Commands[i].Memory;
            }
            CoreBallot origin = entry.Origin is null ? CoreBallot.Zero : Ballot(entry.Origin, clusterSize);
            SlotValue value;
            if (entry.Membership is { } membership)
            {
                if (commands.Length > 0 || entry.Origin is null)
                {
                    throw new InvalidDataException($"slot {entry.Slot} carries a membership {(commands.Length > 0 ? "and commands" : "without an origin")}");
                }
                value = new SlotValue(Membership(entry.Slot, membership), origin);
            }
            else
            {
                value = commands.Length == 0 ? SlotValue.NoOp : new SlotValue(commands, origin);
            }
            result.Add(new LogEntry(entry.Slot, Ballot(entry.Ballot, clusterSize), value));
        }
        return result;
    }

    /// <summary>A slot's membership, checked by <see cref="Core.Replication.Membership"/>'s own rules.</summary>
    private static Membership Membership(ulong slot, Wire.SlotMembership wire)
    {
        if (wire.Members.Count > Core.Replication.Membership.MaxNumbers)
        {
            throw new InvalidDataException($"slot {slot} carries a membership of {wire.Members.Count} members; at most {Core.Replication.Membership.MaxNumbers}");
        }
        try
        {
            return new Membership(slot, wire.Members.Select(m => new Member(m.Number, m.Name, m.Url, m.Voter)), wire.NextNumber);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"slot {slot} carries an invalid membership: {e.Message}", e);
        }
    }

    private static Wire.SlotMembership ToWire(Membership membership)
    {
        var wire = new Wire.SlotMembership { NextNumber = membership.NextNumber };
        foreach (var member in membership.Members)
        {
            wire.Members.Add(new Wire.SlotMember { Number = member.Number, Name = member.Name, Url = member.Url, Voter = member.IsVoter });
        }
        return wire;
    }

    private static Wire.SlotEntry ToWire(LogEntry entry)
    {
        var wire = new Wire.SlotEntry
        {
            Slot = entry.Slot,
            Ballot = B(entry.Ballot),
            Origin = entry.Value.IsNoOp ? null : B(entry.Value.Origin),
            Membership = entry.Value.Membership is { } membership ? ToWire(membership) : null,
        };
        foreach (var command in entry.Value.Commands)
        {
            wire.Commands.Add(UnsafeByteOperations.UnsafeWrap(command));
        }
        return wire;
    }

    private static Wire.PromiseMessage WithEntries(Wire.PromiseMessage message, IReadOnlyList<LogEntry> entries)
    {
        foreach (var entry in entries)
        {
            message.Accepted.Add(ToWire(entry));
        }
        return message;
    }

    private static Wire.AcceptMessage WithEntries(Wire.AcceptMessage message, IReadOnlyList<LogEntry> entries)
    {
        foreach (var entry in entries)
        {
            message.Entries.Add(ToWire(entry));
        }
        return message;
    }

    private static Wire.CatchUpMessage WithEntries(Wire.CatchUpMessage message, IReadOnlyList<LogEntry> entries)
    {
        foreach (var entry in entries)
        {
            message.Entries.Add(ToWire(entry));
        }
        return message;
    }

    private static Wire.AcceptReplyMessage WithSlots(Wire.AcceptReplyMessage message, IReadOnlyList<ulong> slots)
    {
        foreach (ulong slot in slots)
        {
            message.Slots.Add(slot);
        }
        return message;
    }
}
