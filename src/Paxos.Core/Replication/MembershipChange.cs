namespace Paxos.Core.Replication;

/// <summary>What a <see cref="MembershipChange"/> does.</summary>
public enum MembershipChangeKind
{
    /// <summary>Adds a learner: it receives the log and counts in no quorum.</summary>
    AddLearner,

    /// <summary>Makes a caught-up learner a voter.</summary>
    Promote,

    /// <summary>Removes a voter or a learner.</summary>
    Remove,
}

/// <summary>One change of the membership, proposed with <see cref="ReplicaCore.ChangeMembership"/>. Each changes at most one voter.</summary>
public sealed record MembershipChange
{
    private MembershipChange(MembershipChangeKind kind, int number, string name, string url)
    {
        Kind = kind;
        Number = number;
        Name = name;
        Url = url;
    }

    /// <summary>What the change does.</summary>
    public MembershipChangeKind Kind { get; }

    /// <summary>The node promoted or removed (-1 for an addition: the leader assigns the number).</summary>
    public int Number { get; }

    /// <summary>The name of the node added (empty otherwise).</summary>
    public string Name { get; }

    /// <summary>The url of the node added (empty otherwise).</summary>
    public string Url { get; }

    /// <summary>Adds the node <paramref name="name"/> at <paramref name="url"/> as a learner.</summary>
    public static MembershipChange AddLearner(string name, string url)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(url);
        return new MembershipChange(MembershipChangeKind.AddLearner, -1, name, url);
    }

    /// <summary>Makes the learner <paramref name="number"/> a voter.</summary>
    public static MembershipChange Promote(int number) => new(MembershipChangeKind.Promote, number, string.Empty, string.Empty);

    /// <summary>Removes the node <paramref name="number"/>.</summary>
    public static MembershipChange Remove(int number) => new(MembershipChangeKind.Remove, number, string.Empty, string.Empty);
}

/// <summary>How <see cref="ReplicaCore.ChangeMembership"/> answered.</summary>
public enum MembershipChangeStatus
{
    /// <summary>The new membership is proposed in <see cref="MembershipChangeResult.Slot"/>; it holds once that slot is chosen.</summary>
    Proposed,

    /// <summary>The membership already is what the change asks for: nothing was proposed (a retried request).</summary>
    Unchanged,

    /// <summary>This node does not lead; <see cref="MembershipChangeResult.LeaderHint"/> names the leader it knows of, or -1.</summary>
    NotLeader,

    /// <summary>Another change is not yet chosen, or a leadership transfer is under way: try again once it is.</summary>
    InProgress,

    /// <summary>The change would remove the leader: hand leadership to another voter first (<see cref="ReplicaCore.TransferLeadership"/>).</summary>
    RemovesLeader,

    /// <summary>The change is unsafe or invalid; <see cref="MembershipChangeResult.Reason"/> says why. Nothing changed.</summary>
    Refused,
}

/// <summary>The answer to a membership change.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Slot">The slot proposed (<see cref="MembershipChangeStatus.Proposed"/>), or the slot of the current membership.</param>
/// <param name="Origin">The ballot of the proposal (with <see cref="Slot"/>, its identity), or zero.</param>
/// <param name="Membership">The membership proposed, or the current one.</param>
/// <param name="LeaderHint">The leader this node knows of, or -1.</param>
/// <param name="Reason">Why it was refused, or empty.</param>
public sealed record MembershipChangeResult(
    MembershipChangeStatus Status, ulong Slot, Ballot Origin, Membership Membership, int LeaderHint, string Reason);
