using Paxos.Core.Replication;

namespace Paxos.Core;

/// <summary>
/// How far above an acceptor's promised ballot a ballot it hears of may be. Rounds grow by one per
/// election or retry, so no proposer ever jumps <see cref="MaxRoundsAhead"/> rounds at once; a
/// ballot that does is forged or corrupt. Without this bound one message could make an acceptor
/// promise the highest round the wire allows, above which no proposer can go: the cluster (or a
/// single-decree instance) would stall for good. With it, a forger climbs at most 2^32 rounds per
/// message. Checks allocate nothing: they run on every peer message.
/// </summary>
public static class BallotBound
{
    /// <summary>The most rounds a ballot may be above the promised one: 2^32.</summary>
    public const ulong MaxRoundsAhead = 1UL << 32;

    /// <summary>True if <paramref name="ballot"/>'s round is more than <see cref="MaxRoundsAhead"/> above <paramref name="promised"/>'s.</summary>
    public static bool IsTooFarAbove(Ballot ballot, Ballot promised) =>
        ballot.Round > promised.Round && ballot.Round - promised.Round > MaxRoundsAhead;

    /// <summary>
    /// True if <paramref name="message"/> carries a ballot too far above <paramref name="promised"/>:
    /// its own, one it reports, or one of its entries' ballots and origins; the first such is
    /// <paramref name="ballot"/>.
    /// </summary>
    public static bool TryFindTooFarAhead(ReplicaMessage message, Ballot promised, out Ballot ballot)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message switch
        {
            Prepare m => Exceeds(m.Ballot, promised, out ballot),
            Promise m => Exceeds(m.Ballot, promised, out ballot) || Exceeds(m.Accepted, promised, out ballot),
            Nack m => Exceeds(m.Rejected, promised, out ballot) || Exceeds(m.Promised, promised, out ballot),
            Accept m => Exceeds(m.Ballot, promised, out ballot) || Exceeds(m.Entries, promised, out ballot),
            AcceptReply m => Exceeds(m.Ballot, promised, out ballot),
            Heartbeat m => Exceeds(m.Ballot, promised, out ballot),
            HeartbeatReply m => Exceeds(m.Ballot, promised, out ballot),
            CatchUp m => Exceeds(m.Entries, promised, out ballot),
            ReadIndexReply m => Exceeds(m.Ballot, promised, out ballot),
            TakeOver m => Exceeds(m.Ballot, promised, out ballot),
            PreVote m => Exceeds(m.Ballot, promised, out ballot),
            PreVoteReply m => Exceeds(m.Ballot, promised, out ballot) || Exceeds(m.Promised, promised, out ballot),
            _ => None(out ballot), // requests and forwards carry no ballot
        };
    }

    private static bool Exceeds(Ballot candidate, Ballot promised, out Ballot ballot)
    {
        ballot = candidate;
        return IsTooFarAbove(candidate, promised);
    }

    /// <summary>Indexes rather than enumerates: an enumerator of the interface would be boxed.</summary>
    private static bool Exceeds(IReadOnlyList<LogEntry> entries, Ballot promised, out Ballot ballot)
    {
        for (int i = 0; i < entries.Count; i++)
        {
            LogEntry entry = entries[i];
            if (Exceeds(entry.Ballot, promised, out ballot) || Exceeds(entry.Value.Origin, promised, out ballot))
            {
                return true;
            }
        }
        return None(out ballot);
    }

    private static bool None(out Ballot ballot)
    {
        ballot = Ballot.Zero;
        return false;
    }
}
