namespace Paxos.Core;

/// <summary>
/// A ballot (proposal number): totally ordered and globally unique. Ordered by <see cref="Round"/>
/// first and by <see cref="NodeId"/> (the proposer's position in the cluster) second, so two
/// proposers never use the same ballot. Round 0 is reserved for <see cref="Zero"/>, which is lower
/// than every ballot a proposer can use.
/// </summary>
public readonly record struct Ballot(ulong Round, int NodeId) : IComparable<Ballot>
{
    /// <summary>The ballot below every real ballot: "nothing promised", "nothing accepted".</summary>
    public static readonly Ballot Zero = new(0, 0);

    /// <summary>True for <see cref="Zero"/>, which no proposer uses.</summary>
    public bool IsZero => Round == 0;

    /// <summary>Orders by <see cref="Round"/>, then by <see cref="NodeId"/>.</summary>
    public int CompareTo(Ballot other)
    {
        int byRound = Round.CompareTo(other.Round);
        return byRound != 0 ? byRound : NodeId.CompareTo(other.NodeId);
    }

    /// <summary>The lowest ballot of <paramref name="nodeId"/> that is higher than <paramref name="seen"/>.</summary>
    public static Ballot NextAbove(Ballot seen, int nodeId)
    {
        Invariant.Check(nodeId >= 0, "node id must not be negative");
        ulong round = seen.NodeId < nodeId ? Math.Max(seen.Round, 1) : seen.Round + 1;
        var next = new Ballot(round, nodeId);
        Invariant.Check(next > seen, "next ballot must be above the one seen");
        return next;
    }

    /// <summary>True if <paramref name="left"/> is lower than <paramref name="right"/>.</summary>
    public static bool operator <(Ballot left, Ballot right) => left.CompareTo(right) < 0;
    /// <summary>True if <paramref name="left"/> is higher than <paramref name="right"/>.</summary>
    public static bool operator >(Ballot left, Ballot right) => left.CompareTo(right) > 0;
    /// <summary>True if <paramref name="left"/> is at most <paramref name="right"/>.</summary>
    public static bool operator <=(Ballot left, Ballot right) => left.CompareTo(right) <= 0;
    /// <summary>True if <paramref name="left"/> is at least <paramref name="right"/>.</summary>
    public static bool operator >=(Ballot left, Ballot right) => left.CompareTo(right) >= 0;

    /// <summary>"round.node", e.g. "3.1".</summary>
    public override string ToString() => $"{Round}.{NodeId}";
}
