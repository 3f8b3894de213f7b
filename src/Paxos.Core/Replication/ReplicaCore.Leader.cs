namespace Paxos.Core.Replication;

/// <summary>
/// The stable leader (distinguished proposer): after phase 1 it serves commands with phase 2 only.
/// Commands are batched into one slot per Ready cycle (bounded in bytes and count); one Accept
/// message carries many slots; at most <see cref="ReplicaOptions.MaxInflightSlots"/> slots above the
/// commit index, and about <see cref="ReplicaOptions.MaxInflightBytes"/> of their commands, are in
/// flight, beyond which <see cref="Propose"/> reports backpressure. A slot is
/// chosen when a quorum accepted it in the leader's ballot; the commit index is the end of the
/// chosen prefix and rides on every Accept and Heartbeat.
/// </summary>
public sealed partial class ReplicaCore
{
    private readonly List<ReadOnlyMemory<byte>> openBatch = [];
    private readonly List<LogEntry> messageScratch = [];
    private int openBatchBytes;
    private ulong openBatchSlot;
    private ulong nextSlot;
    private int quorumCheckElapsed;
    private uint heardSinceCheck;

    /// <summary>
    /// Adds a client command to the batch of the next slot. Only the leader accepts commands;
    /// otherwise the result names the leader this node knows of.
    /// </summary>
    public ProposeResult Propose(ReadOnlyMemory<byte> command)
    {
        if (role != ReplicaRole.Leader)
        {
            return new ProposeResult(ProposeStatus.NotLeader, 0, 0, leaderId);
        }

        if (command.Length > options.MaxCommandBytes)
        {
            return new ProposeResult(ProposeStatus.TooLarge, 0, 0, self);
        }

        if (transferTarget >= 0)
        {
            return new ProposeResult(ProposeStatus.Busy, 0, 0, self); // handing over: held until the successor leads
        }

        bool fits = openBatch.Count > 0
            && openBatch.Count < options.MaxBatchCommands
            && openBatchBytes + command.Length <= options.MaxBatchBytes;
        if (!fits)
        {
            if (nextSlot - 1 - commitIndex >= (ulong)options.MaxInflightSlots
                || (nextSlot - 1 > commitIndex && InflightBytes() + command.Length > options.MaxInflightBytes))
            {
                return new ProposeResult(ProposeStatus.Busy, 0, 0, self);
            }

            CloseBatch();
            openBatchSlot = nextSlot++;
        }

        openBatch.Add(command);
        openBatchBytes += command.Length;
        return new ProposeResult(ProposeStatus.Accepted, openBatchSlot, openBatch.Count - 1, self) { Origin = ballot };
    }

    /// <summary>Command bytes of the slots above the commit index that this leader proposed, the open batch's included.</summary>
    private long InflightBytes()
    {
        long bytes = openBatchBytes;
        for (ulong slot = commitIndex + 1; slot < nextSlot; slot++)
        {
            if (log.Contains(slot) && log.At(slot).Ballot == ballot)
            {
                bytes += log.EntryAt(slot).Value.ByteCount;
            }
        }

        return bytes;
    }

    /// <summary>Closes the open batch and sends the eager followers Accepts for every slot proposed since the last Ready.</summary>
    private void FlushProposals()
    {
        CloseBatch();
        if (!proposedSinceFlush)
        {
            return;
        }

        SendUnsentAccepts(lazyToo: false);
        proposedSinceFlush = false;
    }

    private void CloseBatch()
    {
        if (openBatch.Count == 0)
        {
            return;
        }

        Invariant.Check(openBatch.Count == 1 || openBatchBytes <= options.MaxBatchBytes, "a batch exceeds its byte limit only with one command alone");
        ProposeAt(openBatchSlot, new SlotValue(openBatch, ballot));
        openBatch.Clear();
        openBatchBytes = 0;
    }

    /// <summary>Phase 2 for one slot: the leader accepts its own proposal and queues the Accepts.</summary>
    private void ProposeAt(ulong slot, SlotValue value)
    {
        Invariant.Check(role == ReplicaRole.Leader && slot > commitIndex, "a leader proposes only above its commit index");
        Invariant.Check(WireSize.EntryBound(value.Commands.Count, value.ByteCount) <= options.MaxSlotBytes, "a slot fits in one message");
        Persist(new LogEntry(slot, ballot, value));
        log.At(slot).AckMask = Bit(self);
        proposedSinceFlush = true;
        CountAcceptance(slot, self);
    }

    /// <summary>Sends <paramref name="peer"/> Accepts for those of <paramref name="slots"/> still holding this ballot's proposal.</summary>
    private void SendAccepts(int peer, List<ulong> slots)
    {
        messageScratch.Clear();
        long bytes = 0;
        foreach (ulong slot in slots)
        {
            if (!log.Contains(slot) || log.At(slot).Ballot != ballot)
            {
                continue;
            }

            LogEntry entry = log.EntryAt(slot);
            if (!FitsInMessage(messageScratch.Count, bytes, entry))
            {
                Send(new Accept(self, peer, ballot, commitIndex, messageScratch.ToArray()));
                messageScratch.Clear();
                bytes = 0;
            }

            messageScratch.Add(entry);
            bytes += WireSize.Of(entry);
        }

        if (messageScratch.Count > 0)
        {
            Send(new Accept(self, peer, ballot, commitIndex, messageScratch.ToArray()));
        }
    }

    private void OnAcceptReply(AcceptReply m)
    {
        if (role != ReplicaRole.Leader || m.Ballot != ballot)
        {
            return;
        }

        HeardFrom(m.From);
        for (int i = 0; i < m.Slots.Count; i++)
        {
            CountAcceptance(m.Slots[i], m.From);
        }

        LearnChosenFrom(m.From, m.CommitIndex);
        TryHandOver();
    }

    /// <summary>Records that <paramref name="node"/> accepted <paramref name="slot"/> in this leader's ballot.</summary>
    private void CountAcceptance(ulong slot, int node)
    {
        if (slot <= commitIndex || !log.Contains(slot))
        {
            return;
        }

        ref LogSlot s = ref log.At(slot);
        if (s.Ballot != ballot)
        {
            return;
        }

        s.AckMask |= Bit(node);
        if (!s.Chosen && IsQuorum(s.AckMask))
        {
            s.Chosen = true;
            AdvanceCommit();
        }
    }

    /// <summary>
    /// A follower holds an accepted entry above every slot this leader proposed in: an earlier
    /// leader's proposal that only a minority accepted, since this leader's phase 1 saw nothing
    /// there. It was not chosen and never can be, but on an idle cluster nothing would decide its
    /// slot, and its proposer would wait for it until its caller gave up. The leader proposes no-ops
    /// up to that slot (any value is safe where phase 1 found none), within its window; the
    /// follower's next reply asks for the rest.
    /// </summary>
    private void DecideStrandedSlots(ulong followerLastAccepted)
    {
        // Planted bug for the simulator only: leave-stranded never decides such slots.
        if (followerLastAccepted < nextSlot || transferTarget >= 0 || options.PlantLeaveStranded)
        {
            return;
        }

        CloseBatch();
        ulong last = Math.Min(followerLastAccepted, commitIndex + (ulong)options.MaxInflightSlots);
        for (; nextSlot <= last; nextSlot++)
        {
            ProposeAt(nextSlot, SlotValue.NoOp);
        }
    }

    /// <summary>Re-sends Accepts for in-flight slots to the acceptors that were sent them and have not acknowledged them.</summary>
    private void RetransmitAccepts()
    {
        for (int peer = 0; peer < options.ClusterSize; peer++)
        {
            if (peer == self)
            {
                continue;
            }

            slotScratch.Clear();
            for (ulong slot = commitIndex + 1; slot < nextToSend[peer]; slot++)
            {
                if (!log.Contains(slot))
                {
                    continue;
                }

                LogSlot s = log.At(slot);
                if (s.Ballot == ballot && !s.Chosen && (s.AckMask & Bit(peer)) == 0)
                {
                    slotScratch.Add(slot);
                }
            }

            SendAccepts(peer, slotScratch);
        }
    }

    /// <summary>A reply in this leader's ballot: counted by the quorum check, and marks <paramref name="peer"/> responsive for thrifty phase 2.</summary>
    private void HeardFrom(int peer)
    {
        heardSinceCheck |= Bit(peer);
        lastHeard[peer] = now;
    }

    /// <summary>
    /// Every election timeout, a leader that heard no reply in its ballot from a quorum steps down,
    /// so clients of a partitioned leader are redirected instead of waiting on it.
    /// </summary>
    private void CheckQuorum()
    {
        if (++quorumCheckElapsed < options.ElectionTicks)
        {
            return;
        }

        bool heardFromQuorum = IsQuorum(heardSinceCheck | Bit(self));
        quorumCheckElapsed = 0;
        heardSinceCheck = 0;
        if (!heardFromQuorum)
        {
            BecomeFollower(-1);
        }
    }

    private void ClearLeaderState()
    {
        quorumCheckElapsed = 0;
        heardSinceCheck = 0;
        openBatch.Clear();
        openBatchBytes = 0;
        proposedSinceFlush = false;
        ClearTransferState();
        FailPendingReads();
        nextSlot = 0;
        readBarrierSlot = 0;
        recovery = null;
    }
}
