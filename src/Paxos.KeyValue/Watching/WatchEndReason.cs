namespace Paxos.KeyValue.Watching;

/// <summary>Why a watcher ended (<see cref="WatchEnd"/>).</summary>
public enum WatchEndReason
{
    /// <summary>Changes it still had to report are no longer kept here: it started too far back, or a snapshot replaced the state past it.</summary>
    OutOfRange,

    /// <summary>Its client took its changes too slowly, so its queue passed its bound and was dropped.</summary>
    FellBehind,
}
