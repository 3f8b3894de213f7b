namespace Paxos.Checking;

/// <summary>The verdict for the operations on one key.</summary>
/// <param name="Key">The key.</param>
/// <param name="Verdict">Linearizable, not, or inconclusive.</param>
/// <param name="OperationCount">Operations on this key that were searched.</param>
/// <param name="Steps">Search steps spent on the verdict (not counting the shrinking of a violation).</param>
/// <param name="Window">
/// For a violation: the operations that could not be ordered (those not in the longest
/// linearization of the shrunk history), preceded by the last few operations that could, sorted
/// by invocation. Empty otherwise.
/// </param>
/// <param name="Explanation">A readable account of the verdict.</param>
public sealed record KeyCheckResult(
    string Key,
    LinearizabilityVerdict Verdict,
    int OperationCount,
    long Steps,
    IReadOnlyList<HistoryOperation> Window,
    string Explanation);
