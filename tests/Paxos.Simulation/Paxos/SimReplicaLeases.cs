using Paxos.Checking;
using Microsoft.Extensions.Logging;
using Paxos.Core;
using Paxos.KeyValue;
using Paxos.Node.Leases;
using Paxos.Node.Replication;
using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// A simulated node's leases: the production <see cref="LeaseKeeper"/> over the node
/// (<see cref="SimLeaseLog"/>), timed by the node's local clock (<see cref="SimTimeProvider"/>).
/// The replica runs <see cref="Check"/> every <see cref="LeaseKeeper.CheckInterval"/> of local time
/// as the keeper's own loop would, and hands it clients' keep-alives.
/// </summary>
internal sealed class SimReplicaLeases : IDisposable
{
    private readonly PaxosWorld _world;
    private readonly int _thread = Environment.CurrentManagedThreadId;
    private readonly LeaseKeeper _keeper;

    private SimReplicaLeases(PaxosWorld world, LeaseKeeper keeper)
    {
        _world = world;
        _keeper = keeper;
    }

    /// <summary>The keeper of node <paramref name="context"/> over <paramref name="node"/> and <paramref name="store"/>; <paramref name="schedule"/> runs a timer's callback as a step of the node.</summary>
    public static SimReplicaLeases Create(PaxosWorld world, SimNodeContext context, ReplicaNode node, KeyValueStateMachine store, Func<TimeSpan, Action, NodeTimer> schedule)
    {
        var keeper = new LeaseKeeper(
            new SimLeaseLog(node, world.Chosen.OnExpiryProposed),
            store,
            new SimTimeProvider(context.Clock, schedule),
            new Logger<LeaseKeeper>(new TraceLoggerFactory(world.Trace, $"n{context.NodeId}")))
        {
            PlantIgnoreKeepAlive = world.Bug == PlantedBug.LeaseIgnoresKeepAlive,
        };
        return new SimReplicaLeases(world, keeper);
    }

    /// <summary>Stops the keeper (its loop never ran here, so this completes at once), as the process's end does.</summary>
    public void Dispose() => _keeper.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>One round of the keeper: follows the leadership and proposes the expiries that are due.</summary>
    public void Check() => _keeper.Check();

    /// <summary>Renews <paramref name="lease"/>; <paramref name="answered"/> hears the outcome, or <paramref name="failed"/> the fault (in this step or a later one).</summary>
    public async Task KeepAliveAsync(ulong lease, Action<ReplicaOutcome<KeepAliveOutcome>> answered, Action<Exception> failed)
    {
        ReplicaOutcome<KeepAliveOutcome> outcome = default;
        Exception? error = null;
        try
        {
            outcome = await _keeper.KeepAliveAsync(lease, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            error = e;
        }

        // What goes wrong in this continuation would reach no step: it is reported on the next poll of the watches.
        if (Environment.CurrentManagedThreadId != _thread)
        {
            _world.DeferredViolation ??= "a keep-alive's continuation left the simulation's thread: the run is not deterministic";
        }
        else if (error is InvariantViolationException)
        {
            _world.DeferredViolation ??= $"a keep-alive of lease {lease} stopped: {error.Message}";
        }
        else if (error is not null)
        {
            failed(error);
        }
        else
        {
            answered(outcome);
        }
    }
}
