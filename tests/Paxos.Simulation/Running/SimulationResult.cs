namespace Paxos.Simulation.Running;

/// <summary>The outcome of one simulated run.</summary>
/// <param name="Passed">True if every check held.</param>
/// <param name="Operations">Client operations invoked.</param>
/// <param name="FaultsInjected">Faults injected (network per-message faults, partitions, crashes, pauses, drifts, ...).</param>
/// <param name="VirtualTime">Virtual time simulated.</param>
/// <param name="Failure">For a failed run, what check failed and why; null otherwise.</param>
/// <param name="Trace">For a failed run, the last events before the failure; empty otherwise.</param>
/// <param name="LeaderTransfers">Leadership transfers that ended with the chosen successor leading.</param>
/// <param name="MembershipChanges">Membership changes that were applied where they were asked.</param>
/// <param name="Coverage">What the run exercised of Txns, leases and watches (null: not counted).</param>
public sealed record SimulationResult(
    bool Passed,
    long Operations,
    long FaultsInjected,
    TimeSpan VirtualTime,
    string? Failure,
    IReadOnlyList<string> Trace,
    long LeaderTransfers = 0,
    long MembershipChanges = 0,
    WorkloadCoverage? Coverage = null)
{
    /// <summary>How often rarer events happened in the run (a disk damaged, a snapshot refused, ...), by name.</summary>
    public IReadOnlyDictionary<string, long> Events { get; init; } = new Dictionary<string, long>();
}
