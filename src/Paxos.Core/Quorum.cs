namespace Paxos.Core;

/// <summary>Majority quorums: any two intersect, which is what makes a chosen value stick.</summary>
public static class Quorum
{
    /// <summary>The smallest majority of <paramref name="clusterSize"/> nodes.</summary>
    public static int Of(int clusterSize) => clusterSize / 2 + 1;
}
