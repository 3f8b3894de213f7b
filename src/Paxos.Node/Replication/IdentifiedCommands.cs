using Paxos.Core;

namespace Paxos.Node.Replication;

/// <summary>
/// On the leader, the identified commands (<see cref="IStateMachine.IdentityLength"/>) it holds,
/// waiting for pipeline room or for their slot to be chosen, by their bytes: a byte-identical retry
/// joins the one waiting instead of taking a slot of its own. Without this, clients that retry a
/// write while a slow leader works through its queue fill the queue with copies, each of which takes
/// a slot, and new writes stop completing (the simulator's seed 7238 at 3 nodes and 7111 at 5, each
/// with a slow disk, a one-slot window and one command per slot). Only a node that leads lets a
/// retry join: a deposed leader's copy waits until it learns its slot's fate, which a removed node
/// never does (membership seed 14 at 5 nodes did 79 operations instead of 405 while it could).
/// Bounded by the proposals the node holds: an entry leaves when its command ends or is dropped.
/// </summary>
internal sealed class IdentifiedCommands
{
    private readonly IStateMachine _stateMachine;
    private readonly Dictionary<Key, PendingProposal> _waiting = new(KeyComparer.Instance);
    private readonly Action<PendingProposal> _drop;

    public IdentifiedCommands(IStateMachine stateMachine)
    {
        _stateMachine = stateMachine;
        _drop = Drop; // one delegate for every command held, not one each
    }

    /// <summary>How many commands are held.</summary>
    public int Count => _waiting.Count;

    /// <summary>True if <paramref name="retry"/> joined a byte-identical identified command held here, with which it then ends.</summary>
    public bool TryJoin(PendingProposal retry)
    {
        int length = _stateMachine.IdentityLength(retry.Command.Span);
        return length > 0 && _waiting.TryGetValue(new Key(retry.Command, length), out PendingProposal? waiting) && waiting.TryJoin(retry);
    }

    /// <summary>
    /// Holds <paramref name="proposal"/> until it ends, if it is identified and no copy is held yet.
    /// One held already (it waited for pipeline room, and now has its slot) costs nothing again.
    /// </summary>
    public void Hold(PendingProposal proposal)
    {
        if (ReferenceEquals(proposal.Ended, _drop))
        {
            return; // held since it was queued for room: only Hold sets this, and it ends held
        }
        int length = _stateMachine.IdentityLength(proposal.Command.Span);
        if (length > 0 && _waiting.TryAdd(new Key(proposal.Command, length), proposal))
        {
            proposal.Ended = _drop;
        }
    }

    /// <summary>Lets go of <paramref name="proposal"/> (it ended, or nobody waits for it any longer).</summary>
    public void Drop(PendingProposal proposal)
    {
        var key = new Key(proposal.Command, _stateMachine.IdentityLength(proposal.Command.Span));
        if (_waiting.TryGetValue(key, out PendingProposal? held) && ReferenceEquals(held, proposal))
        {
            _waiting.Remove(key);
        }
    }

    /// <summary>A command and the length of its identifying prefix, which alone is hashed.</summary>
    private readonly record struct Key(ReadOnlyMemory<byte> Command, int IdentityLength);

    private sealed class KeyComparer : IEqualityComparer<Key>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(Key x, Key y) => x.Command.Span.SequenceEqual(y.Command.Span);

        public int GetHashCode(Key key)
        {
            var hash = new HashCode();
            hash.AddBytes(key.Command.Span[..Math.Min(key.IdentityLength, key.Command.Length)]);
            return hash.ToHashCode();
        }
    }
}
