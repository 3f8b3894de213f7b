using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.Simulation.Infrastructure;
using Paxos.Simulation.Paxos;

namespace Paxos.Simulation.Tests;

public class ReplicaStorageTests
{
    private static LogEntry Entry(ulong slot, ulong round, params byte[][] commands) =>
        new(slot, new Ballot(round, 1), commands.Length == 0 ? SlotValue.NoOp : new SlotValue([.. commands.Select(c => (ReadOnlyMemory<byte>)c)], new Ballot(round, 1)));

    [Fact]
    public void RecoversExactlyWhatWasSyncedAndCutsATornTail()
    {
        var disk = new SimDisk(new SimRandom(3));
        ReplicaStorage storage = ReplicaStorage.Open(disk, out RecoveredState empty);
        Assert.Equal(DurableState.Empty.HardState, empty.Durable.HardState);
        Assert.Empty(empty.Durable.Entries);

        storage.Append(new HardState(new Ballot(2, 1), 1), [Entry(1, 2, [1, 2, 3]), Entry(2, 2)]);
        storage.Append(null, [Entry(2, 3, [9])]);
        storage.Sync();
        storage.Append(new HardState(new Ballot(4, 0), 2), [Entry(3, 4, [7, 7, 7, 7, 7, 7])]);
        disk.Crash(tearLastWrite: true);

        // The tear hit the last append (the hard state); the unsynced entry before it survived whole.
        storage = ReplicaStorage.Open(disk, out RecoveredState recovered);
        Assert.Equal(new HardState(new Ballot(2, 1), 1), recovered.Durable.HardState);
        Assert.Equal([1UL, 2, 3], recovered.Durable.Entries.Select(e => e.Slot));
        Assert.Equal(new Ballot(3, 1), recovered.Durable.Entries[1].Ballot);
        Assert.True(recovered.Durable.Entries[0].Value.ContentEquals(Entry(1, 2, [1, 2, 3]).Value));

        // Appends after recovery follow the last whole record, not the torn bytes.
        storage.Append(new HardState(new Ballot(5, 2), 2), [Entry(3, 5)]);
        storage.Sync();
        ReplicaStorage.Open(disk, out RecoveredState again);
        Assert.Equal(new HardState(new Ballot(5, 2), 2), again.Durable.HardState);
        Assert.Equal(0, again.TornBytesCut);
    }

    [Fact]
    public void KeepsTheLatestSnapshotAndOnlyTheEntriesAboveIt()
    {
        var disk = new SimDisk(new SimRandom(4));
        ReplicaStorage storage = ReplicaStorage.Open(disk, out _);
        storage.Append(new HardState(new Ballot(1, 1), 3), [Entry(1, 1), Entry(2, 1, [1]), Entry(3, 1, [2]), Entry(4, 1, [3])]);
        storage.Sync();
        storage.SaveSnapshot(2, [10, 20]);
        storage.SaveSnapshot(3, [30]);
        disk.Crash(tearLastWrite: false);

        ReplicaStorage.Open(disk, out RecoveredState recovered);
        Assert.Equal(3UL, recovered.Durable.SnapshotIndex);
        Assert.Equal([30], recovered.SnapshotData);
        Assert.Equal([4UL], recovered.Durable.Entries.Select(e => e.Slot));
        Assert.Equal(["snapshot-2", "wal"], disk.Files);
    }
}
