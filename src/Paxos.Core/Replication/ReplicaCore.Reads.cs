namespace Paxos.Core.Replication;

/// <summary>
/// Linearizable reads without writing to the log (raft's ReadIndex). The leader records its commit
/// index when the request arrives and starts a heartbeat round after it; once a quorum has answered
/// that round in the leader's ballot, no other leader can have been elected before the request, so
/// reading the state at that index is linearizable. A new leader first needs its own no-op (the read
/// barrier) chosen, which ensures its commit index covers everything chosen by earlier leaders.
/// A follower asks its leader for the index (one <see cref="ReadIndexRequest"/> per batch of reads)
/// and serves the reads from its own replica once it has applied up to it, so that reads do not
/// all pass through the leader.
/// </summary>
public sealed partial class ReplicaCore
{
    /// <summary>
    /// A read this follower asked its leader about, in the batch <paramref name="Token"/> (the batch's
    /// first request id): <paramref name="Leader"/>, which it asked, leading in <paramref name="LeaderBallot"/>.
    /// </summary>
    private readonly record struct ForwardedRead(ulong RequestId, ulong Token, long AskedAt, int Leader, Ballot LeaderBallot);

    /// <summary>
    /// Requests a read index for <paramref name="requestId"/>; the answer comes as a
    /// <see cref="ReadState"/> (or, if it can no longer be confirmed, in
    /// <see cref="Ready.FailedReads"/>) in a later <see cref="Ready"/>. On a follower that knows its
    /// leader, the leader is asked for the index.
    /// </summary>
    /// <param name="requestId">
    /// Unique among every read this node ever requests, also across restarts, and not 0: a follower
    /// names a batch of reads after its first request id, and a leader's late answer to a batch of
    /// an earlier run must not be taken for one of this run. Derive them without the clock (which
    /// may step back across a restart): count from a random 64-bit start chosen at each start.
    /// </param>
    public ReadIndexResult ReadIndex(ulong requestId)
    {
        Invariant.Check(requestId != 0, "a read request id is not 0 (0 means no batch)");
        if (role == ReplicaRole.Follower && leaderId >= 0)
        {
            return ForwardRead(requestId);
        }

        if (leader is not { } lead)
        {
            Invariant.Check(role != ReplicaRole.Leader, "leader state exists while leading");
            return new ReadIndexResult(ReadIndexStatus.NotLeader, leaderId);
        }

        if (lead.PendingReads.Count >= options.MaxPendingReads)
        {
            return new ReadIndexResult(ReadIndexStatus.Busy, self);
        }

        EnqueueRead(lead, requestId, self);
        ReleaseConfirmedReads(lead);
        CheckRoleState();
        return new ReadIndexResult(ReadIndexStatus.Accepted, self);
    }

    /// <summary>Queues a read behind the heartbeat round that the current Ready sends (starting it if needed).</summary>
    private void EnqueueRead(LeaderState lead, ulong requestId, int origin)
    {
        if (unsentReadRound == 0)
        {
            BroadcastHeartbeat(lead);
            unsentReadRound = heartbeatRound;
        }

        Invariant.Check(unsentReadRound <= heartbeatRound && lead.PendingReads.Count < options.MaxPendingReads, "a read joins a round not yet sent, within the bound");
        lead.PendingReads.Enqueue(new LeaderState.PendingRead(requestId, commitIndex, unsentReadRound, origin));
    }

    private ReadIndexResult ForwardRead(ulong requestId)
    {
        if (forwardedReads.Count >= options.MaxPendingReads)
        {
            return new ReadIndexResult(ReadIndexStatus.Busy, leaderId);
        }

        // A follower's promise is its leader's ballot: a higher prepare makes it forget the leader.
        Invariant.Check(role == ReplicaRole.Follower && promised.NodeId == leaderId, "a follower that knows its leader has promised the leader's ballot");
        if (unsentReadToken == 0)
        {
            unsentReadToken = requestId;
            Send(new ReadIndexRequest(self, leaderId, unsentReadToken));
        }

        forwardedReads.Add(new ForwardedRead(requestId, unsentReadToken, now, leaderId, promised));
        Invariant.Check(forwardedReads.Count <= options.MaxPendingReads, "forwarded reads are bounded");
        return new ReadIndexResult(ReadIndexStatus.Accepted, leaderId);
    }

    /// <summary>A follower's batch of reads: answered like the leader's own, once a quorum confirmed a later round.</summary>
    private void OnReadIndexRequest(ReadIndexRequest m)
    {
        if (leader is not { } lead || lead.PendingReads.Count >= options.MaxPendingReads)
        {
            return; // the follower fails the batch when its leader changes or after a timeout
        }

        EnqueueRead(lead, m.Token, m.From);
        SendUnsent(m.From); // a lazy follower will serve the reads once it has applied that far
        ReleaseConfirmedReads(lead);
        Invariant.Check(lead.NextToSend[m.From] >= lead.ProposedEnd, "a follower asking for a read index was sent every slot proposed");
    }

    /// <summary>
    /// Serves the reads of the reply's batch if it comes from the leader asked, in a ballot at least
    /// the one it led when asked. A token alone could match another request's answer (an earlier
    /// run's, were its tokens ever reused); a leader answers only after a quorum round started after
    /// the request arrived, and an answer in a higher ballot of the same node is such an answer too
    /// (it led again after the request, so its index covers every write the request followed), while
    /// one in a lower ballot was confirmed before it led in the ballot the follower knew.
    /// </summary>
    private void OnReadIndexReply(ReadIndexReply m)
    {
        if (m.Ballot.NodeId != m.From)
        {
            return; // only the leader of a ballot speaks in it
        }

        // The index is at most the commit index of the leader of m.Ballot, so its slots accepted in
        // that ballot are chosen, as with a heartbeat.
        LearnCommitFromLeader(m.Ballot, m.Index, catchUp: true);
        int kept = 0;
        for (int i = 0; i < forwardedReads.Count; i++)
        {
            ForwardedRead read = forwardedReads[i];
            if (read.Token == m.Token && read.Leader == m.From && m.Ballot >= read.LeaderBallot)
            {
                readStates.Add(new ReadState(read.RequestId, m.Index));
            }
            else
            {
                forwardedReads[kept++] = read;
            }
        }

        forwardedReads.RemoveRange(kept, forwardedReads.Count - kept);
        Invariant.Check(forwardedReads.TrueForAll(read => read.Token != m.Token || read.Leader != m.From || m.Ballot < read.LeaderBallot), "an answer serves every read of its batch");
    }

    /// <summary>
    /// A follower gives up on reads its leader has not answered within two election timeouts. Reads
    /// are added in the order they are asked, so the expired ones are a prefix.
    /// </summary>
    private void ExpireForwardedReads()
    {
        long limit = now - (2L * options.ElectionTicks);
        int expired = 0;
        while (expired < forwardedReads.Count && forwardedReads[expired].AskedAt <= limit)
        {
            failedReads.Add(forwardedReads[expired].RequestId);
            expired++;
        }

        forwardedReads.RemoveRange(0, expired);
        Invariant.Check(forwardedReads.Count == 0 || forwardedReads[0].AskedAt > limit, "every expired read fails");
    }

    /// <summary>Every read waiting on this node's leadership, or on the leader it followed, fails.</summary>
    private void FailPendingReads()
    {
        if (leader is { } lead)
        {
            foreach (LeaderState.PendingRead read in lead.PendingReads)
            {
                if (read.Origin == self)
                {
                    failedReads.Add(read.RequestId);
                }
            }

            lead.PendingReads.Clear();
        }

        foreach (ForwardedRead read in forwardedReads)
        {
            failedReads.Add(read.RequestId);
        }

        forwardedReads.Clear();
        unsentReadToken = 0;
    }

    /// <summary>Starts a new heartbeat round: every follower gets the ballot and the commit index.</summary>
    private void BroadcastHeartbeat(LeaderState lead)
    {
        Invariant.Check(role == ReplicaRole.Leader, "only the leader starts heartbeat rounds");
        heartbeatRound++;
        lead.AckedRound[self] = heartbeatRound;
        for (uint peers = ChainPeers(); peers != 0;)
        {
            Send(new Heartbeat(self, TakeLowest(ref peers), ballot, commitIndex, heartbeatRound));
        }
    }

    private void OnHeartbeatReply(HeartbeatReply m)
    {
        if (leader is not { } lead || m.Ballot != ballot)
        {
            return;
        }

        lead.Heard(m.From, now);
        lead.AckedRound[m.From] = Math.Max(lead.AckedRound[m.From], m.Round);
        lead.AppliedIndex[m.From] = Math.Max(lead.AppliedIndex[m.From], m.AppliedIndex);
        ReleaseConfirmedReads(lead);
        LearnChosenFrom(lead, m.From, m.CommitIndex);
        DecideStrandedSlots(lead, m.LastAccepted);
        Invariant.Check(role == ReplicaRole.Leader, "a heartbeat reply never deposes the leader");
    }

    /// <summary>Emits read states for the reads whose round a quorum confirmed, once the read barrier is chosen.</summary>
    private void ReleaseConfirmedReads(LeaderState lead)
    {
        if (commitIndex < lead.ReadBarrierSlot)
        {
            return;
        }

        while (lead.PendingReads.Count > 0)
        {
            LeaderState.PendingRead read = lead.PendingReads.Peek();
            if (!IsQuorum(lead.Confirmations(read.Round)))
            {
                return;
            }

            lead.PendingReads.Dequeue();
            ulong index = Math.Max(read.CommitIndex, lead.ReadBarrierSlot);
            Invariant.Check(index <= commitIndex && read.Round <= heartbeatRound, "a read is answered at a chosen index, after a round this leader started");
            if (read.Origin == self)
            {
                readStates.Add(new ReadState(read.RequestId, index));
            }
            else
            {
                Send(new ReadIndexReply(self, read.Origin, ballot, read.RequestId, index));
            }
        }
    }
}
