namespace Paxos.Core.Replication;

/// <summary>
/// Pre-vote (raft's PreVote, section 9.6 of Ongaro's thesis): a node whose election timer runs out
/// first asks its peers whether they would join an election, and runs phase 1 only once a quorum
/// (itself included) says yes. A peer says no while it leads or heard from its leader within the
/// last <see cref="ReplicaOptions.ElectionTicks"/>. So a node that alone cannot hear a healthy leader
/// (it restarted before the leader's stream to it reconnected, or it was cut off) never raises its
/// ballot and deposes that leader when it comes back. Nothing here is durable or counted by any
/// acceptor: safety never rests on it, only fewer needless elections do.
/// </summary>
public sealed partial class ReplicaCore
{
    private void StartPreVote()
    {
        Invariant.Check(role != ReplicaRole.Leader, "a leader does not ask for an election");
        ResetElectionTimer();
        preVoteBallot = Ballot.NextAbove(highestSeen, self);
        preVoteMask = Bit(self);
        if (IsQuorum(preVoteMask))
        {
            StartCandidacy();
            return;
        }

        for (uint voters = ChainVoters() & ~Bit(self); voters != 0;)
        {
            Send(new PreVote(self, TakeLowest(ref voters), preVoteBallot));
        }

        Invariant.Check(preVoteBallot > highestSeen && preVoteBallot.NodeId == self, "a pre-vote asks for a ballot of this node above every one it saw");
    }

    private void OnPreVote(PreVote m)
    {
        // A node that is not a voter here (removed, or not yet promoted as far as this node knows) gets no election.
        bool granted = role != ReplicaRole.Leader && (leaderId < 0 || leaderSilentTicks >= options.ElectionTicks) && membership.IsVoter(m.From);
        Send(new PreVoteReply(self, m.From, m.Ballot, granted, promised));
    }

    private void OnPreVoteReply(PreVoteReply m)
    {
        Observe(m.Promised); // the ballot phase 1 picks is then above every promise the pre-vote heard of
        if (role == ReplicaRole.Leader || preVoteBallot == Ballot.Zero || m.Ballot != preVoteBallot || !m.Granted)
        {
            return;
        }

        Invariant.Check((preVoteMask & Bit(self)) != 0, "a pre-vote counts its own node");
        preVoteMask |= Bit(m.From);
        if (IsQuorum(preVoteMask))
        {
            StartCandidacy();
        }
    }

    /// <summary>The leader this node follows was heard from: its pre-vote, if any, is moot.</summary>
    private void HeardFromLeader()
    {
        Invariant.Check(role == ReplicaRole.Follower && leaderId >= 0, "a follower hears from the leader it follows");
        leaderSilentTicks = 0;
        CancelPreVote();
    }

    /// <summary>On a follower or candidate, once per tick.</summary>
    private void CountLeaderSilence()
    {
        if (leaderSilentTicks < options.ElectionTicks)
        {
            leaderSilentTicks++;
        }
    }

    private void CancelPreVote()
    {
        preVoteBallot = Ballot.Zero;
        preVoteMask = 0;
    }
}
