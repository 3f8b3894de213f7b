namespace Paxos.KeyValue.Watching;

/// <summary>Why a watcher ended. After it, the watcher reports nothing more.</summary>
/// <param name="Reason">Why.</param>
/// <param name="Index">
/// For <see cref="WatchEndReason.OutOfRange"/>: the lowest start index this node can serve now
/// (every change below it is compacted away). For <see cref="WatchEndReason.FellBehind"/>: the
/// index from which to resume (the first change not delivered).
/// </param>
public sealed record WatchEnd(WatchEndReason Reason, ulong Index);
