namespace Paxos.KeyValue.Watching;

/// <summary>What one <see cref="Watcher.ReadAsync"/> got: batches to deliver, in index order, and then possibly the end.</summary>
/// <param name="Batches">Whole batches, in index order; possibly empty when <paramref name="End"/> is set.</param>
/// <param name="End">Set when the watcher ended after <paramref name="Batches"/>.</param>
public sealed record WatchRead(IReadOnlyList<ChangeBatch> Batches, WatchEnd? End);
