namespace Paxos.Core.Replication;

/// <summary>
/// The commands a driver proposed on this node, waiting for their slots to be applied, each with its
/// caller's <typeparamref name="TWaiter"/>. <see cref="Propose"/> gives a command its slot, the
/// origin of the batch it joined (<see cref="SlotValue.Origin"/>) and its position there; once the
/// slot is applied, the command was chosen if the slot holds that batch (a batch's origin and slot
/// identify it), and was not chosen otherwise (a later leader's value took the slot), even if that
/// value holds the same bytes at that position. The node's driver and the simulator's share
/// this bookkeeping, so the simulator's linearizability check covers it. Not thread-safe: a driver's
/// loop owns it.
/// </summary>
/// <typeparam name="TWaiter">What the driver answers once the command's fate is known.</typeparam>
public sealed class ProposalBook<TWaiter>
{
    private readonly Dictionary<ulong, List<Waiting>> bySlot = [];

    /// <summary>How many slots have commands waiting.</summary>
    public int SlotCount => bySlot.Count;

    /// <summary>Records that a command went into slot <paramref name="slot"/> at <paramref name="position"/> of the batch composed in <paramref name="origin"/>.</summary>
    public void Propose(ulong slot, Ballot origin, int position, TWaiter waiter)
    {
        Invariant.Check(position >= 0, "a proposed command has a position in its slot's batch");
        Invariant.Check(!origin.IsZero, "a batch proposed afresh has its leader's ballot as origin");
        if (!bySlot.TryGetValue(slot, out List<Waiting>? list))
        {
            list = [];
            bySlot.Add(slot, list);
        }

        // A node composes at most one batch per slot: a later leadership of its own re-proposes what
        // its log holds there instead (phase 1 reports its own acceptances too).
        Invariant.Check(list.Count == 0 || (list[^1].Origin == origin && list[^1].Position < position), "a slot's commands join one batch, in position order");
        list.Add(new Waiting(position, origin, waiter));
    }

    /// <summary>
    /// The commands waiting for <paramref name="entry"/>'s slot, which is being applied; they leave
    /// the book. As the slot's commands are applied, <see cref="SlotWaiters.TryGetChosen"/> tells
    /// which waiter each one answers; <see cref="SlotWaiters.NotChosen"/> are the others.
    /// </summary>
    public SlotWaiters Settle(LogEntry entry)
    {
        bySlot.Remove(entry.Slot, out List<Waiting>? list);
        return new SlotWaiters(list, entry.Value);
    }

    /// <summary>
    /// Removes and returns the commands of every slot up to <paramref name="slot"/>: a snapshot from
    /// another node covered those slots, so whether each was chosen is not known here.
    /// </summary>
    public List<(ulong Slot, TWaiter Waiter)> TakeThrough(ulong slot)
    {
        var taken = new List<(ulong Slot, TWaiter Waiter)>();
        foreach (ulong covered in bySlot.Keys.Where(s => s <= slot).Order().ToList())
        {
            bySlot.Remove(covered, out List<Waiting>? list);
            taken.AddRange(list!.Select(w => (covered, w.Waiter)));
        }

        return taken;
    }

    /// <summary>Removes and returns every waiting command (the node is stopping).</summary>
    public List<TWaiter> TakeAll()
    {
        var all = bySlot.Values.SelectMany(list => list.Select(w => w.Waiter)).ToList();
        bySlot.Clear();
        return all;
    }

    /// <summary>The commands that waited for one applied slot, and what the slot holds.</summary>
    public readonly struct SlotWaiters
    {
        private readonly List<Waiting>? waiting;
        private readonly SlotValue applied;

        internal SlotWaiters(List<Waiting>? waiting, SlotValue applied)
        {
            this.waiting = waiting;
            this.applied = applied;
        }

        /// <summary>
        /// True, with its waiter, if a command was proposed at <paramref name="position"/> of the batch
        /// the slot holds: it was chosen.
        /// </summary>
        public bool TryGetChosen(int position, out TWaiter waiter)
        {
            int found = waiting is null ? -1 : waiting.BinarySearch(new Waiting(position, default, default!), ByPosition.Instance);
            if (found >= 0 && IsChosen(waiting![found]))
            {
                waiter = waiting[found].Waiter;
                return true;
            }

            waiter = default!;
            return false;
        }

        /// <summary>The commands whose place in the slot holds another value (none, when this node's batch was chosen).</summary>
        public IReadOnlyList<TWaiter> NotChosen
        {
            get
            {
                if (waiting is null)
                {
                    return []; // a follower's slots: nothing waited (no list is made for them)
                }

                List<TWaiter>? lost = null;
                foreach (Waiting w in waiting)
                {
                    if (!IsChosen(w))
                    {
                        (lost ??= []).Add(w.Waiter);
                    }
                }

                return lost ?? (IReadOnlyList<TWaiter>)[];
            }
        }

        private bool IsChosen(Waiting w) => w.Origin == applied.Origin && w.Position < applied.Commands.Count;
    }

    /// <summary>Orders a slot's waiting commands by position (they are proposed in position order).</summary>
    private sealed class ByPosition : IComparer<Waiting>
    {
        public static readonly ByPosition Instance = new();

        public int Compare(Waiting x, Waiting y) => x.Position.CompareTo(y.Position);
    }

    internal readonly record struct Waiting(int Position, Ballot Origin, TWaiter Waiter);
}
