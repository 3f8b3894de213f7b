namespace Paxos.Core.Replication;

/// <summary>
/// The value proposed for, accepted in and chosen for one slot: a batch of client commands, applied
/// in order. An empty batch is the no-op a new leader uses to fill holes in the log. Paxos compares
/// values only for identity, so <see cref="ContentEquals"/> is what "the chosen value never
/// changes" means.
/// </summary>
public sealed class SlotValue
{
    private readonly ReadOnlyMemory<byte>[] commands;

    /// <summary>The no-op: chosen to fill a hole, applies nothing.</summary>
    public static SlotValue NoOp { get; } = new([]);

    /// <summary>Creates a batch of the given commands (the list is copied, the bytes are not).</summary>
    public SlotValue(IReadOnlyList<ReadOnlyMemory<byte>> commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        this.commands = new ReadOnlyMemory<byte>[commands.Count];
        for (int i = 0; i < commands.Count; i++)
        {
            this.commands[i] = commands[i];
            ByteCount += commands[i].Length;
        }
    }

    /// <summary>The client commands of this slot, in apply order.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Commands => commands;

    /// <summary>True for the empty batch a leader proposes to fill a hole.</summary>
    public bool IsNoOp => commands.Length == 0;

    /// <summary>Total command bytes.</summary>
    public int ByteCount { get; }

    /// <summary>True if both batches hold the same commands, byte for byte, in the same order.</summary>
    public bool ContentEquals(SlotValue other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (commands.Length != other.commands.Length || ByteCount != other.ByteCount)
        {
            return false;
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
