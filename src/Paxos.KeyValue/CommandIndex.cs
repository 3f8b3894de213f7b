namespace Paxos.KeyValue;

/// <summary>
/// Maps a command's place in the log to the strictly increasing index that
/// <see cref="KeyValueStateMachine.Apply"/> takes and reports to clients. A driver that chooses one
/// command per slot passes the slot itself (slots start at 1). A driver that chooses a batch per
/// slot passes <see cref="Compose"/>(slot, position): slot × 2^16 + position, which grows strictly
/// with every command, in slot order and then batch order.
/// </summary>
public static class CommandIndex
{
    /// <summary>The most commands one slot may hold when indexes are composed.</summary>
    public const int MaxCommandsPerSlot = 1 << 16;

    /// <summary>The largest slot that <see cref="Compose"/> accepts (2^48 − 1).</summary>
    public const ulong MaxSlot = (1UL << 48) - 1;

    /// <summary>The index of the command at <paramref name="position"/> (from 0) in the batch chosen at <paramref name="slot"/> (from 1).</summary>
    public static ulong Compose(ulong slot, int position)
    {
        ArgumentOutOfRangeException.ThrowIfZero(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slot, MaxSlot);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(position, MaxCommandsPerSlot);
        return (slot << 16) | (uint)position;
    }

    /// <summary>The slot of an index made by <see cref="Compose"/>.</summary>
    public static ulong SlotOf(ulong composedIndex) => composedIndex >> 16;
}
