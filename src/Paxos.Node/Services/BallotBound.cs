using Paxos.Core;
using Paxos.Core.Replication;

namespace Paxos.Node.Services;

/// <summary>
/// How far above this node's promised ballot a peer's ballots may be. Rounds grow by one per
/// election, so no member ever needs to jump <see cref="MaxRoundsAhead"/> rounds at once; a
/// ballot that does is forged or corrupt. Without this bound a member could make a node promise
/// the highest round the wire allows, above which no node can propose again: the cluster would
/// stall for good (found by HostileInputTests). A forger must now climb 2^32 rounds per message.
/// </summary>
internal static class BallotBound
{
    /// <summary>The most rounds a peer's ballot may be above the ballot this node has promised: 2^32.</summary>
    public const ulong MaxRoundsAhead = 1UL << 32;

    /// <summary>The first ballot in <paramref name="messages"/> (their own, the ones they report, their entries') more than <see cref="MaxRoundsAhead"/> rounds above <paramref name="promised"/>, if any.</summary>
    public static Ballot? FirstTooFarAhead(IEnumerable<ReplicaMessage> messages, Ballot promised)
    {
        ulong limit = promised.Round + MaxRoundsAhead;
        foreach (var message in messages)
        {
            foreach (var ballot in BallotsOf(message))
            {
                if (ballot.Round > limit)
                {
                    return ballot;
                }
            }
        }
        return null;
    }

    private static IEnumerable<Ballot> BallotsOf(ReplicaMessage message) => message switch
    {
        Prepare m => [m.Ballot],
        Promise m => [m.Ballot, .. Of(m.Accepted)],
        Nack m => [m.Rejected, m.Promised],
        Accept m => [m.Ballot, .. Of(m.Entries)],
        AcceptReply m => [m.Ballot],
        Heartbeat m => [m.Ballot],
        HeartbeatReply m => [m.Ballot],
        CatchUp m => Of(m.Entries),
        ReadIndexReply m => [m.Ballot],
        TakeOver m => [m.Ballot],
        PreVote m => [m.Ballot],
        PreVoteReply m => [m.Ballot, m.Promised],
        _ => [],
    };

    private static IEnumerable<Ballot> Of(IEnumerable<LogEntry> entries) => entries.SelectMany(e => new[] { e.Ballot, e.Value.Origin });
}
