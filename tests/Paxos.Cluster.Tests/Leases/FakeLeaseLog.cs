using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.KeyValue;
using Paxos.Node.Leases;
using Paxos.Node.Replication;

namespace Paxos.Cluster.Tests.Leases;

/// <summary>
/// A log for <see cref="LeaseKeeper"/> tests: applies each proposal to <see cref="Store"/> at once
/// (or holds it while <see cref="Hold"/> is set), with a status the test sets.
/// </summary>
internal sealed class FakeLeaseLog : ILeaseLog
{
    private readonly Lock _lock = new();
    private readonly List<(byte[] Command, TaskCompletionSource<ReplicaOutcome<ReplicationResult>> Done)> _held = [];
    private readonly List<KeyValueCommand> _proposed = [];
    private ulong _index;

    public KeyValueStateMachine Store { get; } = new();

    public ReplicaStatus Status { get; set; } = Follower(-1);

    /// <summary>While set, proposals wait until <see cref="Release"/>.</summary>
    public bool Hold { get; set; }

    /// <summary>Runs inside each read barrier, before it completes.</summary>
    public Action? DuringBarrier { get; set; }

    public int Barriers { get; private set; }

    public IReadOnlyList<KeyValueCommand> Proposed
    {
        get
        {
            lock (_lock)
            {
                return [.. _proposed];
            }
        }
    }

    public static ReplicaStatus Leader(Ballot ballot) => new("leader", ballot, ballot.NodeId, 0, 0, 0, 0, TimeSpan.Zero, 0, Membership.OfSize(3), IsRemoved: false);

    public static ReplicaStatus Follower(int leader) => new("follower", Ballot.Zero, leader, 0, 0, 0, 0, TimeSpan.Zero, 0, Membership.OfSize(3), IsRemoved: false);

    /// <summary>Applies a command as if some client's write were chosen.</summary>
    public KeyValueResult Apply(KeyValueCommand command)
    {
        lock (_lock)
        {
            return KeyValueResultCodec.Decode(Store.Apply(++_index, KeyValueCommandCodec.Encode(command)));
        }
    }

    public Task<ReplicaOutcome<ReplicationResult>> ReplicateAsync(ReadOnlyMemory<byte> command, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _proposed.Add(KeyValueCommandCodec.Decode(command.Span));
            if (Hold)
            {
                var done = new TaskCompletionSource<ReplicaOutcome<ReplicationResult>>(TaskCreationOptions.RunContinuationsAsynchronously);
                _held.Add((command.ToArray(), done));
                return done.Task;
            }
            ulong index = ++_index;
            return Task.FromResult(ReplicaOutcome<ReplicationResult>.Done(new ReplicationResult(index, index, Store.Apply(index, command.Span))));
        }
    }

    /// <summary>Applies the held proposals in order and answers them.</summary>
    public void Release()
    {
        lock (_lock)
        {
            Hold = false;
            foreach (var (command, done) in _held)
            {
                ulong index = ++_index;
                done.SetResult(ReplicaOutcome<ReplicationResult>.Done(new ReplicationResult(index, index, Store.Apply(index, command))));
            }
            _held.Clear();
        }
    }

    public Task<ReplicaOutcome<ulong>> ReadBarrierAsync(CancellationToken cancellationToken)
    {
        Barriers++;
        DuringBarrier?.Invoke();
        return Task.FromResult(ReplicaOutcome<ulong>.Done(_index));
    }
}
