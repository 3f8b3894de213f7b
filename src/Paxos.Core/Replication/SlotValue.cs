namespace Paxos.Core.Replication;

/// <summary>
/// The value proposed for, accepted in and chosen for one slot: a batch of client commands, applied
/// in order, and its <see cref="Origin"/>: the ballot of the leader that composed it. An empty batch
/// is the no-op a new leader uses to fill holes in the log. A slot may instead carry a new
/// <see cref="Replication.Membership"/>, which governs the slots after it. Paxos compares values only for identity,
/// so <see cref="ContentEquals"/> is what "the chosen value never changes" means.
/// </summary>
/// <remarks>
/// The origin makes every batch proposed afresh unique: a leader composes at most one batch per slot
/// in its ballot, and no node leads twice in one ballot (a candidate's promise to its own ballot is
/// durable before any Accept leaves, and a restarted node picks a ballot above its promise). A
/// re-proposal keeps the origin, so "my command was chosen" is (slot, origin, position), never bytes.
/// </remarks>
public sealed class SlotValue
{
    private readonly ReadOnlyMemory<byte>[] commands;

    /// <summary>The no-op: chosen to fill a hole, applies nothing.</summary>
    public static SlotValue NoOp { get; } = new([], Ballot.Zero);

    /// <summary>
    /// Creates a batch of the given commands (the list is copied, the bytes are not) composed by the
    /// leader of <paramref name="origin"/> (<see cref="Ballot.Zero"/>: unknown, as in records written
    /// before origins were kept).
    /// </summary>
    public SlotValue(IReadOnlyList<ReadOnlyMemory<byte>> commands, Ballot origin)
    {
        ArgumentNullException.ThrowIfNull(commands);
        Origin = origin;
        this.commands = new ReadOnlyMemory<byte>[commands.Count];
        for (int i = 0; i < commands.Count; i++)
        {
            this.commands[i] = commands[i];
            ByteCount += commands[i].Length;
        }
    }

    /// <summary>A membership change composed by the leader of <paramref name="origin"/>: the slot holds no command.</summary>
    public SlotValue(Membership membership, Ballot origin)
    {
        ArgumentNullException.ThrowIfNull(membership);
        Origin = origin;
        commands = [];
        Membership = membership;
    }

    /// <summary>The ballot of the leader that composed this batch (kept when another leader re-proposes it).</summary>
    public Ballot Origin { get; }

    /// <summary>The client commands of this slot, in apply order.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Commands => commands;

    /// <summary>The membership this slot chooses, or null for a batch of commands.</summary>
    public Membership? Membership { get; }

    /// <summary>True for the empty batch a leader proposes to fill a hole.</summary>
    public bool IsNoOp => commands.Length == 0 && Membership is null;

    /// <summary>Total command bytes.</summary>
    public int ByteCount { get; }

    /// <summary>True if both batches have the same origin and membership and hold the same commands, byte for byte, in the same order.</summary>
    public bool ContentEquals(SlotValue other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (Origin != other.Origin || commands.Length != other.commands.Length || ByteCount != other.ByteCount)
        {
            return false;
        }

        if (Membership is not null || other.Membership is not null)
        {
            return Membership is not null && other.Membership is not null && Membership.ContentEquals(other.Membership);
        }

        for (int i = 0; i < commands.Length; i++)
        {
            if (!commands[i].Span.SequenceEqual(other.commands[i].Span))
            {
                return false;
            }
        }

        return true;
    }
}
