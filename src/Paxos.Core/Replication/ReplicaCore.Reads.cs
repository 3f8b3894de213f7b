namespace Paxos.Core.Replication;

/// <summary>
/// Linearizable reads without writing to the log (raft's ReadIndex). The leader records its commit
/// index when the request arrives and starts a heartbeat round after it; once a quorum has answered
/// that round in the leader's ballot, no other leader can have been elected before the request, so
/// reading the state at that index is linearizable. A new leader first needs its own no-op (the read
/// barrier) chosen, which ensures its commit index covers everything chosen by earlier leaders.
/// </summary>
public sealed partial class ReplicaCore
{
    private readonly Queue<PendingRead> pendingReads = new();
    private readonly ulong[] ackedRound;
    private ulong heartbeatRound;
    private ulong unsentReadRound;
    private ulong readBarrierSlot;

    private readonly record struct PendingRead(ulong RequestId, ulong CommitIndex, ulong Round);

    /// <summary>
    /// Requests a read index for <paramref name="requestId"/>; the answer comes as a
    /// <see cref="ReadState"/> in a later <see cref="Ready"/>. Pending reads are dropped if this node
    /// loses leadership (the driver sees it in <see cref="Ready.SoftState"/>).
    /// </summary>
    public ReadIndexResult ReadIndex(ulong requestId)
    {
        if (role != ReplicaRole.Leader)
        {
            return new ReadIndexResult(ReadIndexStatus.NotLeader, leaderId);
        }

        if (pendingReads.Count >= options.MaxPendingReads)
        {
            return new ReadIndexResult(ReadIndexStatus.Busy, self);
        }

        if (unsentReadRound == 0)
        {
            BroadcastHeartbeat();
            unsentReadRound = heartbeatRound;
        }

        pendingReads.Enqueue(new PendingRead(requestId, commitIndex, unsentReadRound));
        ReleaseConfirmedReads();
        return new ReadIndexResult(ReadIndexStatus.Accepted, self);
    }

    /// <summary>Starts a new heartbeat round: every follower gets the ballot and the commit index.</summary>
    private void BroadcastHeartbeat()
    {
        heartbeatRound++;
        ackedRound[self] = heartbeatRound;
        for (int peer = 0; peer < options.ClusterSize; peer++)
        {
            if (peer != self)
            {
                Send(new Heartbeat(self, peer, ballot, commitIndex, heartbeatRound));
            }
        }
    }

    private void OnHeartbeatReply(HeartbeatReply m)
    {
        if (role != ReplicaRole.Leader || m.Ballot != ballot)
        {
            return;
        }

        heardSinceCheck |= Bit(m.From);
        ackedRound[m.From] = Math.Max(ackedRound[m.From], m.Round);
        ReleaseConfirmedReads();
        if (m.CommitIndex > commitIndex)
        {
            RequestCatchUp(m.From);
        }
    }

    /// <summary>Emits read states for the reads whose round a quorum confirmed, once the read barrier is chosen.</summary>
    private void ReleaseConfirmedReads()
    {
        if (commitIndex < readBarrierSlot)
        {
            return;
        }

        while (pendingReads.Count > 0)
        {
            PendingRead read = pendingReads.Peek();
            int confirmations = 0;
            foreach (ulong round in ackedRound)
            {
                if (round >= read.Round)
                {
                    confirmations++;
                }
            }

            if (confirmations < quorum)
            {
                return;
            }

            pendingReads.Dequeue();
            readStates.Add(new ReadState(read.RequestId, Math.Max(read.CommitIndex, readBarrierSlot)));
        }
    }
}
