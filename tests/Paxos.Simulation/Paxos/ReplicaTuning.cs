using Paxos.Core.Replication;
using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// The core's limits for one run, chosen per seed (the same on every node, as the core requires),
/// so the runs also reach the edges: a full pipelining window (backpressure), one-entry accepts and
/// catch-ups, one committed slot per Ready, one-command batches, frequent snapshots, log segments
/// that roll every few records.
/// </summary>
/// <param name="HeartbeatTicks">Leader heartbeat interval in ticks.</param>
/// <param name="ElectionTicks">Base election timeout in ticks.</param>
/// <param name="MaxInflightSlots">Pipelining window.</param>
/// <param name="PipelineDepth">Slots a leader keeps in flight before it holds commands back: the whole window in tight runs, the default in roomy ones.</param>
/// <param name="MaxEntriesPerMessage">Slots per Accept or CatchUp message.</param>
/// <param name="MaxCommittedEntriesPerReady">Committed slots handed out per Ready.</param>
/// <param name="MaxBatchCommands">Client commands per slot.</param>
/// <param name="SnapshotEverySlots">A replica snapshots and compacts once it applied this many slots since its last snapshot.</param>
/// <param name="LogSegmentBytes">The size of the write-ahead log's segment files: small, so that segments roll and compaction deletes them.</param>
internal sealed record ReplicaTuning(
    int HeartbeatTicks,
    int ElectionTicks,
    int MaxInflightSlots,
    int PipelineDepth,
    int MaxEntriesPerMessage,
    int MaxCommittedEntriesPerReady,
    int MaxBatchCommands,
    int SnapshotEverySlots,
    int LogSegmentBytes)
{
    /// <summary>Chooses the limits of a run: about half the runs use roomy limits, the others tight ones.</summary>
    public static ReplicaTuning Choose(SimRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        int heartbeat = random.NextInt(1, 4);
        bool tight = random.Chance(0.5);
        int electionTicks = heartbeat * random.NextInt(4, 7);
        int window = tight ? random.NextInt(1, 8) : random.NextInt(16, 65);
        return new ReplicaTuning(
            heartbeat,
            electionTicks,
            window,
            tight ? window : ReplicaOptions.DefaultPipelineDepth, // roomy windows (16 to 64) exceed it
            tight ? random.NextInt(1, 4) : random.NextInt(8, 65),
            tight ? random.NextInt(1, 4) : 256,
            tight ? random.NextInt(1, 4) : 1024,
            tight ? random.NextInt(2, 10) : random.NextInt(16, 65),
            tight ? random.NextInt(1, 5) * 1024 : random.NextInt(16, 257) * 1024);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"heartbeat {HeartbeatTicks} ticks, election {ElectionTicks} ticks, window {MaxInflightSlots} slots, pipeline {PipelineDepth} slots, {MaxEntriesPerMessage} entries/message, {MaxCommittedEntriesPerReady} committed/ready, {MaxBatchCommands} commands/slot, snapshot every {SnapshotEverySlots} slots, log segments of {LogSegmentBytes} bytes";
}
