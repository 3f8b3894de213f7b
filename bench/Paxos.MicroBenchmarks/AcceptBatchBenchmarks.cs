using BenchmarkDotNet.Attributes;
using Paxos.Core;
using Paxos.Core.Replication;

namespace Paxos.MicroBenchmarks;

/// <summary>
/// A follower's core handling the leader's steady stream of Accepts: each operation steps one Accept
/// of <see cref="Entries"/> new slots (whose commit index covers the previous Accept), takes the
/// Ready (entries to persist, the AcceptReply, the newly chosen entries to apply), advances, and
/// compacts the applied prefix as the node's snapshots do, so the log stays bounded.
/// </summary>
/// <remarks>
/// At most 32 slots per Accept: a follower accepts only slots within <see cref="ReplicaOptions.MaxInflightSlots"/>
/// (64) of its own commit index, and it learns the commit index an Accept carries only after that check, so
/// an Accept of 64 new slots whose commit index covers the previous Accept would be dropped whole.
/// </remarks>
[MemoryDiagnoser]
public class AcceptBatchBenchmarks
{
    private const int Leader = 0;
    private const int Follower = 1;

    private readonly Ballot _ballot = new(1, Leader);
    private SlotValue _value = null!;
    private ReplicaCore _core = null!;
    private ulong _lastSlot;

    /// <summary>Slots per Accept.</summary>
    [Params(1, 32)]
    public int Entries { get; set; }

    /// <summary>A fresh follower of a 5-node cluster and the one 100-byte command every slot carries.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var command = new byte[100];
        Random.Shared.NextBytes(command);
        _value = new SlotValue([command], _ballot);
        _core = new ReplicaCore(new ReplicaOptions { NodeId = Follower, ClusterSize = 5 }, new SeededRandom(42), DurableState.Empty);
        _lastSlot = 0;
    }

    /// <summary>Only builds the next Accept (what the wire decoding hands the core): subtract it from <see cref="StepAcceptThenReady"/>.</summary>
    [Benchmark(Baseline = true)]
    public Accept BuildAccept() => NextAccept();

    /// <summary>Builds and steps the next Accept, then TakeReady, Advance and Compact.</summary>
    [Benchmark]
    public Ready StepAcceptThenReady()
    {
        _core.Step(NextAccept());
        Ready ready = _core.TakeReady();
        if (ready.Entries.Count != Entries)
        {
            throw new InvalidOperationException($"the follower accepted {ready.Entries.Count} of {Entries} slots");
        }
        _core.Advance(ready);
        _core.Compact(_core.AppliedIndex);
        return ready;
    }

    private Accept NextAccept()
    {
        ulong commit = _lastSlot;
        var entries = new LogEntry[Entries];
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = new LogEntry(++_lastSlot, _ballot, _value);
        }
        return new Accept(Leader, Follower, _ballot, commit, entries);
    }
}
