using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Paxos.Node.Replication;

/// <summary>
/// A snapshot a <see cref="ReplicaNode"/> captured on its loop (<see cref="ReplicaNode.TakeSnapshotToWrite"/>), to be
/// written off it: <see cref="Write"/> runs on any thread (a thread of its own in a process, an event at a virtual time in
/// the simulator) while the loop goes on choosing and applying; then <see cref="ReplicaNode.SnapshotWritten"/>, on the
/// loop, compacts the log up to it. The log forgets nothing before the file is durable, so a crash in between restarts
/// from the older snapshot with the whole log.
/// </summary>
public sealed class SnapshotInProgress
{
    private readonly ReplicaSnapshots _snapshots;
    private readonly Action<Stream> _content;
    private ExceptionDispatchInfo? _failure;
    private int _written;

    internal SnapshotInProgress(ReplicaSnapshots snapshots, Action<Stream> content, SnapshotPoint point, long checkpointMark, TimeSpan loopTime)
    {
        _snapshots = snapshots;
        _content = content;
        Point = point;
        CheckpointMark = checkpointMark;
        LoopTime = loopTime;
    }

    /// <summary>The last slot the snapshot covers.</summary>
    public ulong Slot => Point.Slot;

    /// <summary>What the snapshot reflects.</summary>
    internal SnapshotPoint Point { get; }

    /// <summary>Where the log's rewritten tail starts (<see cref="Paxos.Storage.Replication.ReplicaLogStore.BeginCheckpoint"/>).</summary>
    internal long CheckpointMark { get; }

    /// <summary>How long the loop spent on it so far: capturing the state and rewriting the log's tail.</summary>
    internal TimeSpan LoopTime { get; }

    /// <summary>How long <see cref="Write"/> took.</summary>
    internal TimeSpan WriteTime { get; private set; }

    /// <summary>The size of the snapshot's content in bytes, once written.</summary>
    internal long ContentBytes { get; private set; }

    /// <summary>
    /// Writes the snapshot's file and makes it durable; once, on any thread. Never throws: a failure is kept and
    /// thrown on the loop by <see cref="ReplicaNode.SnapshotWritten"/>, which stops the node as a failed write of its
    /// log does.
    /// </summary>
    public void Write()
    {
        if (Interlocked.Exchange(ref _written, 1) != 0)
        {
            throw new InvalidOperationException($"the snapshot at slot {Slot} was already written");
        }
        long start = Stopwatch.GetTimestamp();
        try
        {
            ContentBytes = _snapshots.Take(_content, Point.Slot, Point.CommandIndex, Point.Membership);
        }
        catch (Exception e)
        {
            _failure = ExceptionDispatchInfo.Capture(e);
        }
        WriteTime = Stopwatch.GetElapsedTime(start);
    }

    /// <summary>On the loop: throws what <see cref="Write"/> failed with, if it failed; checks it ran.</summary>
    internal void ThrowIfFailed()
    {
        Core.Invariant.Check(Volatile.Read(ref _written) == 1, $"the snapshot at slot {Slot} was handed back before it was written");
        _failure?.Throw();
    }
}
