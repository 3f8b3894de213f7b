namespace Paxos.Core.Replication;

/// <summary>
/// The stable leader (distinguished proposer): after phase 1 it serves commands with phase 2 only.
/// Commands are batched into one slot per Ready cycle (bounded in bytes and count); one Accept
/// message carries many slots; at most <see cref="ReplicaOptions.PipelineDepth"/> slots above the
/// commit index (never more than the window, <see cref="ReplicaOptions.MaxInflightSlots"/>), and about
/// <see cref="ReplicaOptions.MaxInflightBytes"/> of their commands, are in flight, beyond which
/// <see cref="Propose"/> reports backpressure. A slot is
/// chosen when a quorum accepted it in the leader's ballot; the commit index is the end of the
/// chosen prefix and rides on every Accept and Heartbeat. Its state is <see cref="LeaderState"/>.
/// </summary>
public sealed partial class ReplicaCore
{
    /// <summary>
    /// Adds a client command to the batch of the next slot. Only the leader accepts commands;
    /// otherwise the result names the leader this node knows of.
    /// </summary>
    public ProposeResult Propose(ReadOnlyMemory<byte> command)
    {
        if (leader is not { } lead)
        {
            Invariant.Check(role != ReplicaRole.Leader, "leader state exists while leading");
            return new ProposeResult(ProposeStatus.NotLeader, 0, 0, leaderId);
        }

        if (command.Length > options.MaxCommandBytes)
        {
            return new ProposeResult(ProposeStatus.TooLarge, 0, 0, self);
        }

        if (lead.Transfer is not null)
        {
            return new ProposeResult(ProposeStatus.Busy, 0, 0, self); // handing over: held until the successor leads
        }

        bool fits = lead.OpenBatch.Count > 0
            && lead.OpenBatch.Count < options.MaxBatchCommands
            && lead.OpenBatchBytes + command.Length <= options.MaxBatchBytes;
        if (!fits)
        {
            if (lead.NextSlot - 1 - commitIndex >= (ulong)Math.Min(options.PipelineDepth, options.MaxInflightSlots)
                || (lead.NextSlot - 1 > commitIndex && InflightBytes(lead) + command.Length > options.MaxInflightBytes))
            {
                return new ProposeResult(ProposeStatus.Busy, 0, 0, self);
            }

            CloseBatch(lead);
            lead.OpenBatchSlot = lead.NextSlot++;
        }

        lead.OpenBatch.Add(command);
        lead.OpenBatchBytes += command.Length;
        Invariant.Check(lead.OpenBatchSlot > commitIndex && lead.OpenBatchSlot - commitIndex <= (ulong)options.MaxInflightSlots, "a new command's slot is within the in-flight window");
        CheckRoleState();
        return new ProposeResult(ProposeStatus.Accepted, lead.OpenBatchSlot, lead.OpenBatch.Count - 1, self) { Origin = ballot };
    }

    /// <summary>Command bytes of the slots above the commit index that this leader proposed, the open batch's included.</summary>
    private long InflightBytes(LeaderState lead)
    {
        long bytes = lead.OpenBatchBytes;
        for (ulong slot = commitIndex + 1; slot < lead.NextSlot; slot++)
        {
            if (HoldsOwnProposal(slot))
            {
                bytes += log.EntryAt(slot).Value.ByteCount;
            }
        }

        return bytes;
    }

    /// <summary>Closes the open batch and sends the eager followers Accepts for every slot proposed since the last Ready.</summary>
    private void FlushProposals()
    {
        if (leader is not { } lead)
        {
            return;
        }

        CloseBatch(lead);
        if (!lead.ProposedSinceFlush)
        {
            return;
        }

        SendUnsentAccepts(lazyToo: false);
        lead.ProposedSinceFlush = false;
    }

    private void CloseBatch(LeaderState lead)
    {
        if (lead.OpenBatch.Count == 0)
        {
            return;
        }

        Invariant.Check(lead.OpenBatch.Count == 1 || lead.OpenBatchBytes <= options.MaxBatchBytes, "a batch exceeds its byte limit only with one command alone");
        ProposeAt(lead, lead.OpenBatchSlot, new SlotValue(lead.OpenBatch, ballot));
        lead.OpenBatch.Clear();
        lead.OpenBatchBytes = 0;
    }

    /// <summary>
    /// Phase 2 for one slot: the leader accepts its own proposal (persisted with the next Ready, and
    /// counted towards a quorum only once it is: <see cref="Advance"/>) and queues the Accepts.
    /// </summary>
    private void ProposeAt(LeaderState lead, ulong slot, SlotValue value)
    {
        Invariant.Check(role == ReplicaRole.Leader && slot > commitIndex, "a leader proposes only above its commit index");
        Invariant.Check(WireSize.EntryBound(value.Commands.Count, value.ByteCount) <= options.MaxSlotBytes, "a slot fits in one message");
        Persist(new LogEntry(slot, ballot, value));
        lead.ProposedSinceFlush = true;
        Invariant.Check(HoldsOwnProposal(slot) && log.At(slot).AckMask == 0, "a proposal is accepted by its leader, and counted once durable");
    }

    /// <summary>Sends <paramref name="peer"/> Accepts for those of <paramref name="slots"/> still holding this ballot's proposal.</summary>
    private void SendAccepts(int peer, List<ulong> slots)
    {
        Invariant.Check(role == ReplicaRole.Leader && peer != self, "a leader sends Accepts to its followers");
        messageScratch.Clear();
        long bytes = 0;
        foreach (ulong slot in slots)
        {
            if (!HoldsOwnProposal(slot))
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
        if (leader is not { } lead || m.Ballot != ballot)
        {
            return;
        }

        lead.Heard(m.From, now);
        for (int i = 0; i < m.Slots.Count; i++)
        {
            CountAcceptance(m.Slots[i], m.From);
        }

        LearnChosenFrom(lead, m.From, m.CommitIndex);
        TryHandOver(lead);
        Invariant.Check(role == ReplicaRole.Leader, "an acknowledgement never deposes the leader");
    }

    /// <summary>Records that <paramref name="node"/> accepted <paramref name="slot"/> in this leader's ballot.</summary>
    private void CountAcceptance(ulong slot, int node)
    {
        Invariant.Check(role == ReplicaRole.Leader && node >= 0 && node < Membership.MaxNumbers, "a leader counts the acceptances of its cluster's nodes");
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

        Invariant.Check(log.At(slot).Chosen || !IsQuorum(log.At(slot).AckMask), "a slot a quorum accepted in this ballot is chosen");
    }

    /// <summary>
    /// A follower holds an accepted entry above every slot this leader proposed in: an earlier
    /// leader's proposal that only a minority accepted, since this leader's phase 1 saw nothing
    /// there. It was not chosen and never can be, but on an idle cluster nothing would decide its
    /// slot, and its proposer would wait for it until its caller gave up. The leader proposes no-ops
    /// up to that slot (any value is safe where phase 1 found none), within its window; the
    /// follower's next reply asks for the rest.
    /// </summary>
    private void DecideStrandedSlots(LeaderState lead, ulong followerLastAccepted)
    {
        // Planted bug for the simulator only: leave-stranded never decides such slots.
        if (followerLastAccepted < lead.NextSlot || lead.Transfer is not null || options.PlantLeaveStranded)
        {
            return;
        }

        CloseBatch(lead);
        ulong last = Math.Min(followerLastAccepted, commitIndex + (ulong)options.MaxInflightSlots);
        for (; lead.NextSlot <= last; lead.NextSlot++)
        {
            ProposeAt(lead, lead.NextSlot, SlotValue.NoOp);
        }

        Invariant.Check(lead.NextSlot > last && lead.OpenBatch.Count == 0, "the stranded slots up to the window's end are proposed");
    }

    /// <summary>Re-sends Accepts for in-flight slots to the acceptors that were sent them and have not acknowledged them.</summary>
    private void RetransmitAccepts(LeaderState lead)
    {
        for (uint peers = ChainPeers(); peers != 0;)
        {
            int peer = TakeLowest(ref peers);
            slotScratch.Clear();
            for (ulong slot = commitIndex + 1; slot < lead.NextToSend[peer]; slot++)
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

    /// <summary>
    /// Every election timeout, a leader that heard no reply in its ballot from a quorum steps down,
    /// so clients of a partitioned leader are redirected instead of waiting on it.
    /// </summary>
    private void CheckQuorum(LeaderState lead)
    {
        if (++lead.QuorumCheckElapsed < options.ElectionTicks)
        {
            return;
        }

        bool heardFromQuorum = IsQuorum(lead.HeardSinceCheck | Bit(self));
        lead.QuorumCheckElapsed = 0;
        lead.HeardSinceCheck = 0;
        if (!heardFromQuorum)
        {
            BecomeFollower(-1);
        }

        Invariant.Check((role == ReplicaRole.Leader) == heardFromQuorum, "a leader keeps leading exactly when a quorum replied");
    }
}
