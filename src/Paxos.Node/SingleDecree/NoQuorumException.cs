namespace Paxos.Node.SingleDecree;

/// <summary>A proposal could not reach a majority of acceptors before its deadline. Its outcome is unknown: it may still be chosen later.</summary>
public sealed class NoQuorumException(int answered, int needed, int clusterSize)
    : Exception($"no quorum: only {answered} of {clusterSize} acceptors answered the last round ({needed} needed); the proposal's outcome is unknown")
{
    /// <summary>How many acceptors answered the last round.</summary>
    public int Answered { get; } = answered;
}
