using System.Globalization;

namespace Paxos.Simulation.Running;

/// <summary>How much of the coordination API one or more runs exercised, so a test can tell that the checks had something to check.</summary>
/// <param name="TxnSucceeded">Txns acknowledged as succeeded.</param>
/// <param name="TxnFailed">Txns acknowledged as failed (their compare did not hold).</param>
/// <param name="LeaseGrants">Leases granted (acknowledged).</param>
/// <param name="LeaseKeepAlives">Keep-alives acknowledged as renewed.</param>
/// <param name="LeaseRevokes">Revokes acknowledged.</param>
/// <param name="LeaseExpiries">Lease expiries that took effect.</param>
/// <param name="WatchBatches">Watch batches compared with the chosen log.</param>
/// <param name="WatchResumes">Times a watch resumed on another process after its node crashed.</param>
/// <param name="WatchCompactedIndexes">Indexes watches skipped because their node said it no longer had them.</param>
public sealed record WorkloadCoverage(
    long TxnSucceeded,
    long TxnFailed,
    long LeaseGrants,
    long LeaseKeepAlives,
    long LeaseRevokes,
    long LeaseExpiries,
    long WatchBatches,
    long WatchResumes,
    long WatchCompactedIndexes)
{
    /// <summary>Nothing exercised.</summary>
    public static WorkloadCoverage None { get; } = new(0, 0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>The sum of two runs' coverage.</summary>
    public static WorkloadCoverage operator +(WorkloadCoverage a, WorkloadCoverage b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(
            a.TxnSucceeded + b.TxnSucceeded,
            a.TxnFailed + b.TxnFailed,
            a.LeaseGrants + b.LeaseGrants,
            a.LeaseKeepAlives + b.LeaseKeepAlives,
            a.LeaseRevokes + b.LeaseRevokes,
            a.LeaseExpiries + b.LeaseExpiries,
            a.WatchBatches + b.WatchBatches,
            a.WatchResumes + b.WatchResumes,
            a.WatchCompactedIndexes + b.WatchCompactedIndexes);
    }

    /// <summary>The sum of two runs' coverage.</summary>
    public static WorkloadCoverage Add(WorkloadCoverage left, WorkloadCoverage right) => left + right;

    /// <inheritdoc/>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"txns {TxnSucceeded} succeeded / {TxnFailed} failed; leases {LeaseGrants} granted, {LeaseKeepAlives} kept alive, {LeaseRevokes} revoked, {LeaseExpiries} expired; watch batches {WatchBatches} checked, {WatchResumes} resumes, {WatchCompactedIndexes} compacted indexes skipped");
}
