namespace Paxos.Core.SingleDecree;

/// <summary>
/// The learner rule: a value is chosen once a majority (quorum) of acceptors accepted a proposal
/// with the same ballot. Feed it what acceptors report they accepted; it answers with the chosen
/// value as soon as one quorum agrees.
/// </summary>
public sealed class Learner
{
    private readonly int _quorum;
    private readonly Dictionary<Ballot, (Proposal Proposal, HashSet<int> Acceptors)> _votes = [];

    /// <summary>A learner of a cluster of <paramref name="clusterSize"/> acceptors (a value is chosen once a majority accepted it in one ballot).</summary>
    public Learner(int clusterSize)
    {
        Invariant.Check(clusterSize >= 1, "a cluster has at least one node");
        _quorum = Quorum.Of(clusterSize);
    }

    /// <summary>The chosen value, once known.</summary>
    public byte[]? Chosen { get; private set; }

    /// <summary>Records that <paramref name="acceptor"/> accepted <paramref name="proposal"/>; returns the chosen value if now known.</summary>
    public byte[]? Observe(int acceptor, Proposal proposal)
    {
        if (!_votes.TryGetValue(proposal.Ballot, out var entry))
        {
            entry = (proposal, []);
            _votes.Add(proposal.Ballot, entry);
        }
        Invariant.Check(entry.Proposal.HasSameValue(proposal.Value), $"ballot {proposal.Ballot} carries two different values");
        entry.Acceptors.Add(acceptor);
        if (entry.Acceptors.Count >= _quorum)
        {
            Invariant.Check(Chosen is null || proposal.HasSameValue(Chosen), "two different values chosen");
            Chosen = proposal.Value;
        }
        return Chosen;
    }
}
