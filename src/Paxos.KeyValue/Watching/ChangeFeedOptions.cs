namespace Paxos.KeyValue.Watching;

/// <summary>
/// The memory bounds of a node's <see cref="ChangeFeed"/>. They are local to the node (they decide
/// how far back a watch can start here and how slow a watcher may be, not what any replica
/// applies), so nodes may use different values. Bytes are counted as <see cref="ChangeBatch.Bytes"/>.
/// </summary>
public sealed class ChangeFeedOptions
{
    /// <summary>The most bytes of recent changes kept for watches that start in the past (default 64 MiB).</summary>
    public long WindowBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>The most indexes with changes kept for watches that start in the past (default 100,000).</summary>
    public int WindowIndexes { get; init; } = 100_000;

    /// <summary>
    /// The most bytes queued for one watcher that its client has not taken yet (default 4 MiB); a
    /// watcher whose next change would pass it is cancelled. A watcher with nothing queued always
    /// takes one more batch, so a change of any size reaches a watcher that keeps up.
    /// </summary>
    public long WatcherQueueBytes { get; init; } = 4L * 1024 * 1024;

    /// <summary>
    /// The most bytes queued for all watchers together (default 256 MiB); beyond it a watcher that
    /// already has something queued is cancelled instead of taking more. Queued batches share their
    /// values with the store and the window, so the memory they hold is at most this, usually far less.
    /// </summary>
    public long AllWatchersQueueBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>The most watchers at once (default 10,000); one more is refused.</summary>
    public int MaxWatchers { get; init; } = 10_000;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(WindowBytes, 1, nameof(WindowBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(WindowIndexes, 1, nameof(WindowIndexes));
        ArgumentOutOfRangeException.ThrowIfLessThan(WatcherQueueBytes, 1, nameof(WatcherQueueBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(AllWatchersQueueBytes, WatcherQueueBytes, nameof(AllWatchersQueueBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxWatchers, 1, nameof(MaxWatchers));
    }
}
