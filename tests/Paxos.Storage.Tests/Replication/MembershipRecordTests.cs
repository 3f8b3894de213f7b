using System.Buffers.Binary;
using Microsoft.Extensions.Logging.Abstractions;
using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.Storage.Replication;

namespace Paxos.Storage.Tests.Replication;

/// <summary>Memberships in the replica's log and in their binary form: round trips at the limits, old records beside them, and bad bytes refused.</summary>
public sealed class MembershipRecordTests
{
    private static readonly Ballot B1 = new(1, 0);
    private static readonly Ballot B2 = new(2, 1);

    /// <summary>32 members, every name and url as long as allowed, numbers with a gap, voters and learners.</summary>
    internal static Membership Largest(ulong slot) =>
        new(slot, Enumerable.Range(0, Membership.MaxNumbers).Select(i => new Member(
            i, $"{i:D2}{new string('n', Membership.MaxNameBytes - 2)}", $"{i:D2}{new string('u', Membership.MaxUrlBytes - 2)}", IsVoter: i % 3 != 0)), Membership.MaxNumbers);

    private static Membership Small(ulong slot) =>
        new(slot, [new Member(0, "a", "http://a:1", true), new Member(2, "c", "http://c:1", false), new Member(3, "é", string.Empty, true)], 4);

    [Fact]
    public void The_largest_membership_round_trips_and_fits_its_bound()
    {
        Membership largest = Largest(7);
        byte[] bytes = MembershipCodec.Encode(largest);

        Assert.Equal(MembershipCodec.MaxLength, bytes.Length);
        Membership read = MembershipCodec.Read(bytes);
        Assert.True(read.ContentEquals(largest));
        Assert.Equal(7ul, read.Slot);
        Assert.True(MembershipCodec.Read(MembershipCodec.Encode(Membership.Unknown)).ContentEquals(Membership.Unknown));
    }

    [Fact]
    public void A_membership_that_breaks_a_rule_or_its_length_is_refused()
    {
        byte[] good = MembershipCodec.Encode(Small(1));
        Assert.Throws<InvalidDataException>(() => MembershipCodec.Read(good.AsSpan(0, good.Length - 1)));
        Assert.Throws<InvalidDataException>(() => MembershipCodec.Read([.. good, 0]));
        Assert.Throws<InvalidDataException>(() => MembershipCodec.Read(good.AsSpan(0, 5)));

        byte[] repeated = (byte[])good.Clone();
        repeated[8 + 2 + 2 + 2 + 1 + 2 + 10] = 0; // the second member gets number 0, the first's
        Assert.Throws<InvalidDataException>(() => MembershipCodec.Read(repeated));

        byte[] lowNext = (byte[])good.Clone();
        lowNext[8] = 3; // below member 3
        Assert.Throws<InvalidDataException>(() => MembershipCodec.Read(lowNext));

        byte[] badVoter = (byte[])good.Clone();
        badVoter[8 + 2 + 1] = 2;
        Assert.Throws<InvalidDataException>(() => MembershipCodec.Read(badVoter));

        byte[] longName = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(longName.AsSpan(8 + 2 + 2), Membership.MaxNameBytes + 1);
        Assert.Throws<InvalidDataException>(() => MembershipCodec.Read(longName));
    }

    [Fact]
    public void A_membership_slot_survives_a_reopen_between_slots_of_commands_and_old_records()
    {
        using var dir = new TempDirectory();
        var commands = new LogEntry(1, B1, new SlotValue([System.Text.Encoding.ASCII.GetBytes("a")], B1));
        var change = new LogEntry(2, B2, new SlotValue(Largest(2), B1));
        var noOp = new LogEntry(3, B2, SlotValue.NoOp);
        using (var wal = Paxos.Storage.Wal.WriteAheadLog.Open(dir.Path, _ => { }))
        {
            wal.Append(ReplicaRecordCodec.EntryWithoutOriginType, OldEntry(4, B2, "x")); // written before origins were kept
            wal.Sync();
        }

        using (var store = ReplicaLogStore.Open(dir.Path, NullLogger.Instance))
        {
            Assert.Single(store.Recover(0).Entries);
            store.Persist(new HardState(B2, 2), [commands, change, noOp], sync: true);
        }

        using var reopened = ReplicaLogStore.Open(dir.Path, NullLogger.Instance);
        var entries = reopened.Recover(0).Entries;
        Assert.Equal([1ul, 2ul, 3ul, 4ul], entries.Select(e => e.Slot));
        Assert.True(entries[0].Value.ContentEquals(commands.Value));
        Assert.True(entries[1].Value.ContentEquals(change.Value));
        Assert.Equal(B2, entries[1].Ballot);
        Assert.Empty(entries[1].Value.Commands);
        Assert.True(entries[2].Value.IsNoOp);
        Assert.Equal("x", System.Text.Encoding.ASCII.GetString(entries[3].Value.Commands[0].Span));
    }

    [Fact]
    public void A_membership_record_whose_membership_is_invalid_fails_recovery()
    {
        using var dir = new TempDirectory();
        var entry = new LogEntry(2, B2, new SlotValue(Small(2), B1));
        var payload = new byte[ReplicaRecordCodec.EntryLength(entry)];
        ReplicaRecordCodec.WriteEntry(entry, payload);
        payload[8 + 12 + 12 + 8] = 1; // next number 1: below members 2 and 3
        using (var wal = Paxos.Storage.Wal.WriteAheadLog.Open(dir.Path, _ => { }))
        {
            wal.Append(ReplicaRecordCodec.MembershipEntryType, payload);
            wal.Sync();
        }

        Assert.Throws<InvalidDataException>(() => ReplicaLogStore.Open(dir.Path, NullLogger.Instance).Dispose());
    }

    private static byte[] OldEntry(ulong slot, Ballot ballot, string command)
    {
        byte[] payload = new byte[8 + 12 + 4 + 4 + command.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(payload, slot);
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(8), ballot.Round);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(16), ballot.NodeId);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(24), (uint)command.Length);
        System.Text.Encoding.ASCII.GetBytes(command, payload.AsSpan(28));
        return payload;
    }
}
