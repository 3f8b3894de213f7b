namespace Paxos.Core.Replication;

/// <summary>
/// The acceptor: one promised ballot for all slots. A prepare is promised only if its ballot is at
/// least the promised one (equal means a retransmission of the same promise); an accept or
/// heartbeat is honoured only if its ballot is at least the promised one, raising the promise. Every
/// such change is in the next Ready's persist part, ahead of the reply in its message part.
/// </summary>
public sealed partial class ReplicaCore
{
    private void OnPrepare(Prepare m)
    {
        Observe(m.Ballot);
        if (m.Ballot < promised)
        {
            Send(new Nack(self, m.From, m.Ballot, promised));
            return;
        }

        if (m.Ballot > promised)
        {
            RaisePromise(m.Ballot);
            BecomeFollower(-1);
        }

        SendPromise(m.From, m.Ballot, m.FromSlot);
        Invariant.Check(role == ReplicaRole.Follower || m.Ballot == ballot, "a proposer promises no other node's ballot but stepping down");
    }

    /// <summary>
    /// Promises <paramref name="ballot"/> to <paramref name="candidate"/>, reporting the unchosen
    /// accepted entries from <paramref name="fromSlot"/> on in as many parts as it takes for each to
    /// fit in one message; consecutive parts cover consecutive slot ranges, the last one open-ended.
    /// </summary>
    private void SendPromise(int candidate, Ballot ballot, ulong fromSlot)
    {
        Invariant.Check(promised == ballot, "a promise reports the promised ballot");
        LogEntry[] accepted = UnchosenAcceptedFrom(fromSlot);
        ulong first = fromSlot;
        int start = 0;
        int parts = 0;
        do
        {
            int end = start;
            long bytes = 0;
            while (end < accepted.Length && FitsInMessage(end - start, bytes, accepted[end]))
            {
                bytes += WireSize.Of(accepted[end]);
                end++;
            }

            ulong last = end == accepted.Length ? ulong.MaxValue : accepted[end - 1].Slot;
            Send(new Promise(self, candidate, ballot, commitIndex, accepted[start..end], first, last, membership.Slot));
            parts++;
            first = last == ulong.MaxValue ? last : last + 1;
            start = end;
        }
        while (start < accepted.Length);

        Invariant.Check(parts <= Math.Max(1, accepted.Length), "every promise part but an empty one carries an entry");
    }

    /// <summary>
    /// Whether a message already carrying <paramref name="count"/> entries of <paramref name="bytes"/>
    /// may take <paramref name="next"/> too: within the entry count and the message size, and always
    /// when it is the first (a slot fits in a message alone, see <see cref="ReplicaOptions.Validate"/>).
    /// </summary>
    private bool FitsInMessage(int count, long bytes, LogEntry next) =>
        count == 0 || (count < options.MaxEntriesPerMessage && bytes + WireSize.Of(next) <= options.EntryBudgetBytes);

    /// <summary>Accepted entries above the commit index and at or above <paramref name="fromSlot"/>.</summary>
    private LogEntry[] UnchosenAcceptedFrom(ulong fromSlot)
    {
        ulong first = Math.Max(fromSlot, commitIndex + 1);
        var entries = new List<LogEntry>();
        for (ulong slot = first; slot <= log.LastSlot; slot++)
        {
            if (log.Contains(slot))
            {
                entries.Add(log.EntryAt(slot));
            }
        }

        return entries.ToArray();
    }

    private void OnAccept(Accept m)
    {
        if (!FollowLeader(m.From, m.Ballot))
        {
            return;
        }

        Invariant.Check(role == ReplicaRole.Follower && promised == m.Ballot, "an acceptor accepts in the ballot it promised");

        // Learn the leader's commit index first, so that the window below starts from it: a full
        // window of new slots is accepted whole instead of waiting for a later heartbeat. (Again
        // afterwards, for slots this Accept itself fills in.)
        LearnCommitFromLeader(m.Ballot, m.CommitIndex, catchUp: false);
        slotScratch.Clear();
        ulong windowEnd = commitIndex + (ulong)options.MaxInflightSlots;
        for (int i = 0; i < m.Entries.Count; i++)
        {
            LogEntry entry = m.Entries[i];
            Invariant.Check(entry.Ballot == m.Ballot, "an accept's entries carry the accept's ballot");
            if (entry.Slot <= commitIndex || entry.Slot > windowEnd)
            {
                continue;
            }

            if (!log.Contains(entry.Slot) || log.At(entry.Slot).Ballot != m.Ballot)
            {
                Persist(entry);
            }

            Invariant.Check(log.At(entry.Slot).Ballot == m.Ballot, "an acknowledged slot holds the leader's entry");
            slotScratch.Add(entry.Slot);
        }

        LearnCommitFromLeader(m.Ballot, m.CommitIndex, catchUp: false);
        Send(new AcceptReply(self, m.From, m.Ballot, slotScratch.ToArray(), commitIndex));
    }

    private void OnHeartbeat(Heartbeat m)
    {
        if (!FollowLeader(m.From, m.Ballot))
        {
            return;
        }

        LearnCommitFromLeader(m.Ballot, m.CommitIndex, catchUp: true);
        Invariant.Check(role == ReplicaRole.Follower && leaderId == m.From && promised == m.Ballot, "a heartbeat is answered by a follower of its sender");
        Send(new HeartbeatReply(self, m.From, m.Ballot, m.Round, commitIndex, log.LastSlot, appliedIndex));
    }

    /// <summary>
    /// Applies the acceptor rule to a message from the leader of <paramref name="leaderBallot"/>:
    /// rejected with a nack below the promise, otherwise the promise is raised to it and the sender is
    /// followed (stepping down if this node was itself a candidate or leader in a lower ballot).
    /// </summary>
    private bool FollowLeader(int from, Ballot leaderBallot)
    {
        Observe(leaderBallot);
        if (leaderBallot < promised)
        {
            Send(new Nack(self, from, leaderBallot, promised));
            return false;
        }

        if (leaderBallot > promised)
        {
            RaisePromise(leaderBallot);
        }

        if (role != ReplicaRole.Follower || leaderId != from)
        {
            BecomeFollower(from);
        }
        else
        {
            ResetElectionTimer();
            HeardFromLeader();
        }

        Invariant.Check(promised == leaderBallot && leaderId == from && leaderSilentTicks == 0, "a follower promised its leader's ballot and just heard from it");
        return true;
    }
}
