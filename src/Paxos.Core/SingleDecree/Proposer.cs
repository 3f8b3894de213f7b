namespace Paxos.Core.SingleDecree;

/// <summary>The phase of a proposer's current round.</summary>
public enum ProposerPhase
{
    /// <summary>Phase 1: Prepare sent, collecting promises.</summary>
    Preparing,

    /// <summary>Phase 2: Accept sent, collecting acceptances.</summary>
    Accepting,

    /// <summary>A value is known to be chosen. Final.</summary>
    Decided,
}

/// <summary>
/// The proposer of single-decree Paxos as a pure state machine (no I/O, no clock): the driver
/// starts rounds, delivers the acceptors' replies, and carries out the returned actions.
/// <list type="number">
/// <item>Phase 1a: <see cref="StartRound"/> picks a ballot above every ballot seen; the driver
/// persists it (ballots are never reused, also after a restart) and sends Prepare to all acceptors.</item>
/// <item>Phase 2a: with promises from a quorum, propose the value of the highest-ballot proposal
/// the promises report, or else the proposer's own value (even an empty one).</item>
/// <item>With acceptances of that ballot from a quorum, the value is chosen.</item>
/// </list>
/// A rejection (an acceptor promised a higher ballot) ends the round; the driver backs off for a
/// randomized delay (<see cref="RetryBackoff"/>) so duelling proposers converge, then starts a new one.
/// </summary>
public sealed class Proposer
{
    private readonly int _nodeId;
    private readonly int _clusterSize;
    private readonly byte[] _ownValue;
    private readonly HashSet<int> _promisedBy = [];
    private Proposal? _highestAcceptedInPromises;
    private Learner _learner;
    private Proposal? _proposal;

    /// <summary>A proposer on node <paramref name="nodeId"/> of <paramref name="clusterSize"/> that proposes <paramref name="ownValue"/> unless phase 1 finds an accepted value it must propose instead.</summary>
    public Proposer(int nodeId, int clusterSize, byte[] ownValue)
    {
        Invariant.Check(nodeId >= 0 && nodeId < clusterSize, "the proposer must be a node of the cluster");
        _nodeId = nodeId;
        _clusterSize = clusterSize;
        _ownValue = ownValue;
        _learner = new Learner(clusterSize);
    }

    /// <summary>The ballot of the current round (<see cref="Ballot.Zero"/> before the first).</summary>
    public Ballot Ballot { get; private set; } = Ballot.Zero;

    /// <summary>The highest ballot this proposer has seen, its own included.</summary>
    public Ballot HighestSeen { get; private set; } = Ballot.Zero;

    /// <summary>Where the current round is: preparing (phase 1), accepting (phase 2) or decided.</summary>
    public ProposerPhase Phase { get; private set; } = ProposerPhase.Preparing;

    /// <summary>The chosen value once <see cref="Phase"/> is <see cref="ProposerPhase.Decided"/>.</summary>
    public byte[]? Chosen { get; private set; }

    /// <summary>
    /// Phase 1a: starts a new round with the lowest ballot of this node above every ballot seen and
    /// above <paramref name="floor"/> (the highest ballot this node ever used, read from disk).
    /// </summary>
    public Ballot StartRound(Ballot floor)
    {
        Invariant.Check(Phase != ProposerPhase.Decided, "a decided proposer starts no round");
        Ballot above = floor > HighestSeen ? floor : HighestSeen;
        var next = Ballot.NextAbove(above, _nodeId);
        Invariant.Check(next > Ballot, "a proposer's ballots only go up");
        Ballot = next;
        HighestSeen = next;
        Phase = ProposerPhase.Preparing;
        _promisedBy.Clear();
        _highestAcceptedInPromises = null;
        _learner = new Learner(_clusterSize);
        _proposal = null;
        return next;
    }

    /// <summary>Phase 1b reply from <paramref name="acceptor"/>.</summary>
    public ProposerAction OnPromise(int acceptor, PromiseReply reply)
    {
        if (reply.Ballot != Ballot || Phase != ProposerPhase.Preparing)
        {
            return ProposerAction.Wait.Instance; // a reply to an older round, or one no longer needed
        }
        if (!reply.Granted)
        {
            return Reject(reply.Promised);
        }
        if (reply.Accepted is { } accepted && (_highestAcceptedInPromises is null || accepted.Ballot > _highestAcceptedInPromises.Ballot))
        {
            _highestAcceptedInPromises = accepted;
        }
        _promisedBy.Add(acceptor);
        if (_promisedBy.Count < Quorum.Of(_clusterSize))
        {
            return ProposerAction.Wait.Instance;
        }
        // The rule that makes Paxos safe: a value that may have been chosen in a lower ballot is
        // the value of the highest-ballot proposal accepted by some member of this quorum.
        byte[] value = _highestAcceptedInPromises?.Value ?? _ownValue;
        _proposal = new Proposal(Ballot, value);
        Phase = ProposerPhase.Accepting;
        return new ProposerAction.SendAccept(_proposal);
    }

    /// <summary>Phase 2b reply from <paramref name="acceptor"/>.</summary>
    public ProposerAction OnAcceptReply(int acceptor, AcceptReply reply)
    {
        if (reply.Ballot != Ballot || Phase != ProposerPhase.Accepting || _proposal is null)
        {
            return ProposerAction.Wait.Instance;
        }
        if (!reply.Granted)
        {
            return Reject(reply.Promised);
        }
        if (_learner.Observe(acceptor, _proposal) is { } chosen)
        {
            Chosen = chosen;
            Phase = ProposerPhase.Decided;
            return new ProposerAction.Decided(chosen);
        }
        return ProposerAction.Wait.Instance;
    }

    private ProposerAction.Retry Reject(Ballot promised)
    {
        if (promised > HighestSeen)
        {
            HighestSeen = promised;
        }
        return new ProposerAction.Retry(HighestSeen);
    }
}
