using Paxos.Core.Replication;
using static Paxos.Core.Tests.Replication.ReplicaTestKit;

namespace Paxos.Core.Tests.Replication;

/// <summary>Which proposed commands were chosen once their slot is applied.</summary>
public sealed class ProposalBookTests
{
    private static readonly Ballot B = new(1, 0);

    private static ProposalBook<string> BookWith(ulong slot, params string[] commands)
    {
        var book = new ProposalBook<string>();
        for (int i = 0; i < commands.Length; i++)
        {
            book.Propose(slot, B, i, "waiter " + commands[i]);
        }

        return book;
    }

    private static List<string> Chosen(ProposalBook<string>.SlotWaiters waiting, int positions)
    {
        var chosen = new List<string>();
        for (int position = 0; position < positions; position++)
        {
            if (waiting.TryGetChosen(position, out string waiter))
            {
                chosen.Add(waiter);
            }
        }

        return chosen;
    }

    [Fact]
    public void Every_command_of_a_batch_that_was_chosen_gets_its_own_waiter()
    {
        ProposalBook<string> book = BookWith(5, "a", "b", "c");

        var waiting = book.Settle(new LogEntry(5, B, ValueFrom(B, "a", "b", "c")));

        Assert.Equal(["waiter a", "waiter b", "waiter c"], Chosen(waiting, 3));
        Assert.Empty(waiting.NotChosen);
        Assert.Equal(0, book.SlotCount);
    }

    [Fact]
    public void Commands_whose_slot_holds_another_leaders_batch_are_not_chosen_even_with_the_same_bytes()
    {
        ProposalBook<string> book = BookWith(5, "a", "b");

        var waiting = book.Settle(new LogEntry(5, new Ballot(2, 1), ValueFrom(new Ballot(2, 1), "a", "b")));

        Assert.Empty(Chosen(waiting, 2)); // another client's identical commands: not ours
        Assert.Equal(["waiter a", "waiter b"], waiting.NotChosen);
    }

    [Fact]
    public void A_batch_another_leader_re_proposed_is_still_ours()
    {
        ProposalBook<string> book = BookWith(5, "a", "b");

        var waiting = book.Settle(new LogEntry(5, new Ballot(2, 1), ValueFrom(B, "a", "b")));

        Assert.Equal(["waiter a", "waiter b"], Chosen(waiting, 2));
        Assert.Empty(waiting.NotChosen);
    }

    [Fact]
    public void Commands_of_a_slot_filled_with_a_no_op_are_not_chosen()
    {
        ProposalBook<string> book = BookWith(5, "a", "b");

        var waiting = book.Settle(new LogEntry(5, new Ballot(2, 1), SlotValue.NoOp));

        Assert.Empty(Chosen(waiting, 0));
        Assert.Equal(["waiter a", "waiter b"], waiting.NotChosen);
    }

    [Fact]
    public void A_slot_nobody_here_proposed_into_has_no_waiters()
    {
        ProposalBook<string> book = BookWith(5, "a");

        var waiting = book.Settle(new LogEntry(6, B, ValueFrom(B, "a")));

        Assert.Empty(Chosen(waiting, 1));
        Assert.Empty(waiting.NotChosen);
        Assert.Equal(1, book.SlotCount);
    }

    [Fact]
    public void A_snapshot_takes_the_commands_of_every_slot_it_covers_in_slot_order()
    {
        var book = new ProposalBook<string>();
        book.Propose(9, B, 0, "c");
        book.Propose(7, B, 0, "b");
        book.Propose(3, B, 0, "a");
        book.Propose(3, B, 1, "a2");

        Assert.Equal([(3ul, "a"), (3ul, "a2"), (7ul, "b")], book.TakeThrough(7));
        Assert.Equal(["c"], book.TakeAll());
        Assert.Equal(0, book.SlotCount);
    }

    [Fact]
    public void Commands_of_a_slot_are_proposed_in_position_order()
    {
        ProposalBook<string> book = BookWith(5, "a", "b");

        Assert.Throws<InvariantViolationException>(() => book.Propose(5, B, 1, "again"));
    }

    [Fact]
    public void A_slot_takes_commands_of_one_batch_only()
    {
        ProposalBook<string> book = BookWith(5, "a");

        Assert.Throws<InvariantViolationException>(() => book.Propose(5, new Ballot(2, 0), 1, "other batch"));
    }
}
