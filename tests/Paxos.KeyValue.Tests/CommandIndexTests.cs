namespace Paxos.KeyValue.Tests;

public class CommandIndexTests
{
    [Fact]
    public void Composed_indexes_grow_strictly_in_slot_then_batch_order()
    {
        ulong previous = 0;
        for (ulong slot = 1; slot <= 3; slot++)
        {
            foreach (int position in new[] { 0, 1, 2, CommandIndex.MaxCommandsPerSlot - 1 })
            {
                ulong index = CommandIndex.Compose(slot, position);
                Assert.True(index > previous);
                Assert.Equal(slot, CommandIndex.SlotOf(index));
                previous = index;
            }
        }
    }

    [Fact]
    public void Out_of_range_slots_and_positions_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CommandIndex.Compose(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => CommandIndex.Compose(CommandIndex.MaxSlot + 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => CommandIndex.Compose(1, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => CommandIndex.Compose(1, CommandIndex.MaxCommandsPerSlot));
        Assert.Equal(ulong.MaxValue, CommandIndex.Compose(CommandIndex.MaxSlot, CommandIndex.MaxCommandsPerSlot - 1));
    }
}
