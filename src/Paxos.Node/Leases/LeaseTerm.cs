using Paxos.Core;

namespace Paxos.Node.Leases;

/// <summary>
/// What <see cref="LeaseKeeper"/> knows while this node leads in <see cref="Ballot"/>: made when it
/// sees itself lead in a new ballot (so every lease gets its whole time to live again), dropped when
/// it stops leading. Guarded by the keeper's lock.
/// </summary>
internal sealed class LeaseTerm(Ballot ballot)
{
    /// <summary>The ballot this node leads in.</summary>
    public Ballot Ballot { get; } = ballot;

    /// <summary>The store's lease epoch became <see cref="Ballot"/> through this node's <see cref="Paxos.KeyValue.LeaseEpochCommand"/>: expiries and keep-alives may go ahead.</summary>
    public bool Ready { get; set; }

    /// <summary>A higher epoch than <see cref="Ballot"/> reached the store: another leader decides expiries now; this term does nothing more.</summary>
    public bool Abandoned { get; set; }

    /// <summary>The epoch claim in flight, or null.</summary>
    public Task? EpochClaim { get; set; }

    /// <summary>The store's <see cref="Paxos.KeyValue.KeyValueStateMachine.LeaseGeneration"/> when <see cref="Deadlines"/> last followed its leases.</summary>
    public long LeaseGeneration { get; set; } = -1;

    /// <summary>Each lease's deadline, a <see cref="TimeProvider.GetTimestamp"/>: when it was first seen in this term, or last kept alive, plus its time to live.</summary>
    public Dictionary<ulong, long> Deadlines { get; } = [];

    /// <summary>
    /// The leases whose expiry this term proposed, with the proposal (the latest, once it ended
    /// without taking effect). Such a lease is never kept alive again in this term: its expiry may
    /// still be chosen.
    /// </summary>
    public Dictionary<ulong, Task> Expiring { get; } = [];
}
