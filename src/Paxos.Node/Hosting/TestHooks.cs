namespace Paxos.Node.Hosting;

/// <summary>
/// Faults a test build plants in a node: set only through <see cref="NodeOptions"/>' internal
/// property, from the test-only host (tests/Paxos.TestNode); the shipped program has no way to set
/// them. <paramref name="StallAfterAccepts"/>: a single-decree proposer sends its Accept to the first
/// K nodes only, then stalls until killed. <paramref name="SkipReadIndex"/>: linearizable gets are
/// answered from the local replica without a read index (a consistency bug the chaos check must catch).
/// </summary>
internal sealed record TestHooks(int? StallAfterAccepts, bool SkipReadIndex)
{
    /// <summary>No planted fault: what every node of the shipped program runs with.</summary>
    public static readonly TestHooks None = new(null, false);
}
