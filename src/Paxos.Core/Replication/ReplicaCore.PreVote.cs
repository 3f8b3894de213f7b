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
    /// <summary>The ballot this node would prepare if its pre-vote wins; <see cref="Ballot.Zero"/> when none is under way.</summary>
    private Ballot preVoteBallot;
    private uint preVoteMask;

    /// <summary>Ticks since this node last heard from the leader it follows (capped).</summary>
    private int leaderSilentTicks;

    private void StartPreVote()
    {
        ResetElectionTimer();
        preVoteBallot = Ballot.NextAbove(highestSeen, self);
        preVoteMask = Bit(self);
        if (IsQuorum(preVoteMask))
        {
            StartCandidacy();
            return;
        }

        for (int peer = 0; peer < options.ClusterSize; peer++)
        {
            if (peer != self)
            {
                Send(new PreVote(self, peer, preVoteBallot));
            }
        }
    }

    private void OnPreVote(PreVote m)
    {
        bool granted = role != ReplicaRole.Leader && (leaderId < 0 || leaderSilentTicks >= options.ElectionTicks);
        Send(new PreVoteReply(self, m.From, m.Ballot, granted, promised));
    }

    private void OnPreVoteReply(PreVoteReply m)
    {
        Observe(m.Promised); // the ballot phase 1 picks is then above every promise the pre-vote heard of
        if (role == ReplicaRole.Leader || preVoteBallot == Ballot.Zero || m.Ballot != preVoteBallot || !m.Granted)
        {
            return;
        }

        preVoteMask |= Bit(m.From);
        if (IsQuorum(preVoteMask))
        {
            StartCandidacy();
        }
    }

    /// <summary>The leader this node follows was heard from: its pre-vote, if any, is moot.</summary>
    private void HeardFromLeader()
    {
        leaderSilentTicks = 0;
        ClearPreVote();
    }

    /// <summary>On a follower or candidate, once per tick.</summary>
    private void CountLeaderSilence()
    {
        if (leaderSilentTicks < options.ElectionTicks)
        {
            leaderSilentTicks++;
        }
    }

    private void ClearPreVote()
    {
        preVoteBallot = Ballot.Zero;
        preVoteMask = 0;
    }
}
