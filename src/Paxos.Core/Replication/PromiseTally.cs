namespace Paxos.Core.Replication;

/// <summary>
/// The promises of one phase 1 in one ballot, from the prepare's first slot on. An acceptor's promise
/// may come in parts (<see cref="Promise.FirstSlot"/>..<see cref="Promise.LastSlot"/>), lost,
/// duplicated or reordered; it counts once its parts, together with its commit index, cover every
/// slot from the first on. Every reported entry is kept (the highest ballot per slot), also from
/// acceptors not yet counted: an acceptor that promised this ballot accepts nothing below it, so any
/// report it sends afterwards holds what phase 1 needs, and a chosen value is the highest-ballot
/// entry among the reports of any set of acceptors that includes a quorum. Made for one phase 1 and
/// dropped after it.
/// </summary>
internal sealed class PromiseTally
{
    /// <summary>Parts held back until they join the covered prefix: bounds the memory of a flood of reordered parts.</summary>
    private const int MaxPendingParts = 1024;

    private readonly ulong firstSlot;
    private readonly ulong[] coveredThrough;
    private readonly List<(int Node, ulong First, ulong Last)> pending = [];
    private uint complete;

    public PromiseTally(int clusterSize, ulong firstSlot)
    {
        Invariant.Check(firstSlot >= 1, "phase 1 starts at a slot");
        this.firstSlot = firstSlot;
        coveredThrough = new ulong[clusterSize];
        Array.Fill(coveredThrough, firstSlot - 1);
    }

    /// <summary>The acceptors whose promise is complete.</summary>
    public uint Complete => complete;

    /// <summary>The first slot this phase 1 prepares.</summary>
    public ulong FirstSlot => firstSlot;

    /// <summary>The highest commit index any part reported (slots up to it are chosen), and who reported it.</summary>
    public ulong HighestCommit { get; private set; }

    /// <summary>The node that reported <see cref="HighestCommit"/>, or -1.</summary>
    public int HighestCommitFrom { get; private set; } = -1;

    /// <summary>Per slot from the first one on, the reported entry of the highest ballot.</summary>
    public SortedDictionary<ulong, LogEntry> Reported { get; } = [];

    /// <summary>
    /// Adds a part of <paramref name="node"/>'s promise: its <paramref name="accepted"/> entries in
    /// slots <paramref name="first"/>..<paramref name="last"/> above its <paramref name="commit"/>.
    /// </summary>
    public void Add(int node, ulong commit, ulong first, ulong last, IReadOnlyList<LogEntry> accepted)
    {
        Invariant.Check(first <= last, "a promise part covers a slot range");
        if (commit > HighestCommit)
        {
            HighestCommit = commit;
            HighestCommitFrom = node;
        }

        foreach (LogEntry entry in accepted)
        {
            Invariant.Check(entry.Slot >= first && entry.Slot <= last && entry.Slot > commit, "a part reports only unchosen entries in its range");
            if (entry.Slot >= firstSlot && (!Reported.TryGetValue(entry.Slot, out LogEntry known) || entry.Ballot > known.Ballot))
            {
                Reported[entry.Slot] = entry;
            }
        }

        if ((complete & (1u << node)) != 0)
        {
            return;
        }

        coveredThrough[node] = Math.Max(coveredThrough[node], commit);
        if (!Extend(node, first, last) && pending.Count < MaxPendingParts)
        {
            pending.Add((node, first, last));
        }

        // Each absorbed part may let a held-back one join the covered prefix.
        bool grew = true;
        while (grew)
        {
            grew = false;
            for (int i = pending.Count - 1; i >= 0; i--)
            {
                if (pending[i].Node == node && Extend(node, pending[i].First, pending[i].Last))
                {
                    pending.RemoveAt(i);
                    grew = true;
                }
            }
        }

        if (coveredThrough[node] == ulong.MaxValue)
        {
            complete |= 1u << node;
            pending.RemoveAll(part => part.Node == node);
        }
    }

    /// <summary>Extends <paramref name="node"/>'s covered prefix by the range if it joins it; false if a gap is left.</summary>
    private bool Extend(int node, ulong first, ulong last)
    {
        if (coveredThrough[node] != ulong.MaxValue && first > coveredThrough[node] + 1)
        {
            return false;
        }

        coveredThrough[node] = Math.Max(coveredThrough[node], last);
        return true;
    }
}
