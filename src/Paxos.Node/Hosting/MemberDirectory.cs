using Paxos.Core.Replication;

namespace Paxos.Node.Hosting;

/// <summary>
/// Who this node is by number, and the cluster's members as of the membership this node has
/// applied: how peer identity (<see cref="Services.PeerGate"/>), status and metrics name nodes.
/// Updated by <see cref="Replication.PeerLinks.UpdateMembership"/> on the replica's loop; read from any thread.
/// </summary>
public sealed class MemberDirectory
{
    private volatile Membership _current;

    /// <param name="self">This node's number.</param>
    /// <param name="selfName">This node's name (its id in the cluster file).</param>
    /// <param name="initial">The membership known before the replica applies one (the founding one, or the one a joining node was added to).</param>
    public MemberDirectory(int self, string selfName, Membership initial)
    {
        ArgumentNullException.ThrowIfNull(initial);
        Self = self;
        SelfName = selfName;
        _current = initial;
    }

    /// <summary>This node's number.</summary>
    public int Self { get; }

    /// <summary>This node's name.</summary>
    public string SelfName { get; }

    /// <summary>The membership this node follows now.</summary>
    public Membership Current => _current;

    /// <summary>Follows <paramref name="membership"/> from now on.</summary>
    public void Update(Membership membership)
    {
        ArgumentNullException.ThrowIfNull(membership);
        _current = membership;
    }

    /// <summary>The name of node <paramref name="number"/>: its member's name, or <c>#NUMBER</c> for a node this one does not know (yet or any more).</summary>
    public string NameOf(int number) =>
        number == Self ? SelfName : _current.Find(number)?.Name ?? $"#{number}";
}
