namespace Paxos.Core.SingleDecree;

/// <summary>
/// What an acceptor must remember forever (on disk, fsynced before it answers): the highest ballot
/// it promised and the highest-ballot proposal it accepted, if any.
/// </summary>
public sealed record AcceptorState(Ballot Promised, Proposal? Accepted)
{
    /// <summary>A new acceptor: nothing promised, nothing accepted.</summary>
    public static readonly AcceptorState Initial = new(Ballot.Zero, null);
}
