namespace Paxos.Core.SingleDecree;

/// <summary>The acceptor's answer to a Prepare: a promise (granted) or a rejection naming the promise it keeps.</summary>
/// <param name="Granted">True when the acceptor promised <see cref="Ballot"/>.</param>
/// <param name="Ballot">The ballot of the Prepare being answered.</param>
/// <param name="Promised">The acceptor's promised ballot after handling the Prepare.</param>
/// <param name="Accepted">The highest-ballot proposal the acceptor accepted (only reported with a promise).</param>
public sealed record PromiseReply(bool Granted, Ballot Ballot, Ballot Promised, Proposal? Accepted);

/// <summary>The acceptor's answer to an Accept.</summary>
/// <param name="Granted">True when the acceptor accepted the proposal.</param>
/// <param name="Ballot">The ballot of the Accept being answered.</param>
/// <param name="Promised">The acceptor's promised ballot after handling the Accept.</param>
public sealed record AcceptReply(bool Granted, Ballot Ballot, Ballot Promised);

/// <summary>A step of the acceptor: the state to persist (if it changed) and the reply to send after that.</summary>
public readonly record struct AcceptorStep<TReply>(AcceptorState State, bool StateChanged, TReply Reply);

/// <summary>
/// The acceptor rules of single-decree Paxos (Lamport, "Paxos Made Simple", section 2.2), as pure
/// functions of the acceptor's durable state. The caller must persist <see cref="AcceptorStep{TReply}.State"/>
/// durably (fsync) whenever <see cref="AcceptorStep{TReply}.StateChanged"/> is true, before it sends the reply.
/// </summary>
public static class Acceptor
{
    /// <summary>
    /// Phase 1b. Promise <paramref name="ballot"/> only if it is higher than every ballot promised
    /// so far, and report the highest-ballot proposal accepted; otherwise reject. A ballot too far
    /// above the promise (<see cref="BallotBound"/>) is rejected too, its reply naming a promise below it.
    /// </summary>
    public static AcceptorStep<PromiseReply> OnPrepare(AcceptorState state, Ballot ballot)
    {
        Invariant.Check(!ballot.IsZero, "a Prepare must carry a real ballot");
        if (ballot <= state.Promised || BallotBound.IsTooFarAbove(ballot, state.Promised))
        {
            return new(state, false, new PromiseReply(false, ballot, state.Promised, null));
        }
        var next = state with { Promised = ballot };
        return new(next, true, new PromiseReply(true, ballot, ballot, state.Accepted));
    }

    /// <summary>
    /// Phase 2b. Accept a proposal unless a higher ballot has been promised, or its ballot is too
    /// far above the promise (<see cref="BallotBound"/>); accepting also promises its ballot.
    /// </summary>
    public static AcceptorStep<AcceptReply> OnAccept(AcceptorState state, Proposal proposal)
    {
        Invariant.Check(!proposal.Ballot.IsZero, "an Accept must carry a real ballot");
        if (proposal.Ballot < state.Promised || BallotBound.IsTooFarAbove(proposal.Ballot, state.Promised))
        {
            return new(state, false, new AcceptReply(false, proposal.Ballot, state.Promised));
        }
        if (state.Accepted is { } current && current.Ballot == proposal.Ballot)
        {
            // One ballot has one value: a duplicate Accept changes nothing.
            Invariant.Check(current.HasSameValue(proposal.Value), $"ballot {proposal.Ballot} proposed two different values");
            return new(state, false, new AcceptReply(true, proposal.Ballot, state.Promised));
        }
        var next = new AcceptorState(proposal.Ballot, proposal);
        Invariant.Check(next.Promised >= state.Promised, "the promised ballot never goes down");
        return new(next, true, new AcceptReply(true, proposal.Ballot, next.Promised));
    }
}
