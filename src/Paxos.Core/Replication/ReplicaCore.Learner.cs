namespace Paxos.Core.Replication;

/// <summary>
/// The learner: the commit index only grows, over slots known to be chosen. A follower learns a slot
/// from the leader's commit index only when its own accepted entry there carries the leader's
/// ballot (a leader proposes one value per slot per ballot, so that entry is the chosen value);
/// otherwise it fetches chosen values by catch-up from a node that has them. A node whose needed
/// entries were compacted at the responder gets a snapshot instead.
/// </summary>
public sealed partial class ReplicaCore
{
    /// <summary>The snapshot last offered to a node, and when.</summary>
    private readonly record struct SnapshotOffer(ulong Index, long At);

    /// <summary>
    /// Learns from the leader of <paramref name="leaderBallot"/> that every slot up to
    /// <paramref name="leaderCommit"/> is chosen; asks the leader for the chosen values it lacks if
    /// <paramref name="catchUp"/> (an Accept does not: a lazy follower's batch spans several, and the
    /// heartbeat that follows it asks for whatever is still missing).
    /// </summary>
    private void LearnCommitFromLeader(Ballot leaderBallot, ulong leaderCommit, bool catchUp)
    {
        ulong before = commitIndex;
        if (leaderBallot.NodeId == leaderId && leaderCommit > leaderCommitIndex)
        {
            leaderCommitIndex = leaderCommit;
        }

        while (commitIndex < leaderCommit && log.Contains(commitIndex + 1))
        {
            ref LogSlot next = ref log.At(commitIndex + 1);
            if (!next.Chosen && next.Ballot != leaderBallot)
            {
                break;
            }

            next.Chosen = true;
            commitIndex++;
        }

        Invariant.Check(commitIndex >= before && (commitIndex == before || commitIndex <= leaderCommit), "a leader's commit index extends the chosen prefix up to it at most");
        if (catchUp && commitIndex < leaderCommit)
        {
            RequestCatchUp(leaderId);
        }
    }

    /// <summary>Extends the commit index over the chosen prefix.</summary>
    private void AdvanceCommit()
    {
        ulong before = commitIndex;
        while (log.Contains(commitIndex + 1) && log.At(commitIndex + 1).Chosen)
        {
            commitIndex++;
        }

        if (commitIndex != before && leader is { } lead)
        {
            ReleaseConfirmedReads(lead);
        }

        Invariant.Check(!log.Contains(commitIndex + 1) || !log.At(commitIndex + 1).Chosen, "the commit index reaches the end of the chosen prefix");
    }

    /// <summary>Asks <paramref name="source"/> for chosen values after the commit index; one request at a time, retried after a while.</summary>
    private void RequestCatchUp(int source)
    {
        if (source < 0 || source == self || now < catchUpRetryAt)
        {
            return;
        }

        Invariant.Check(source < Membership.MaxNumbers, "catch-up is asked of a node");
        catchUpRetryAt = now + (2L * options.HeartbeatTicks);
        Send(new CatchUpRequest(self, source, commitIndex + 1));
    }

    private void OnCatchUpRequest(CatchUpRequest m)
    {
        if (m.FromSlot <= log.SnapshotIndex)
        {
            OfferSnapshot(m.From);
            return;
        }

        if (m.FromSlot > commitIndex)
        {
            return;
        }

        var entries = new List<LogEntry>();
        long bytes = 0;
        for (ulong slot = m.FromSlot; slot <= commitIndex && FitsInMessage(entries.Count, bytes, log.EntryAt(slot)); slot++)
        {
            entries.Add(log.EntryAt(slot));
            bytes += WireSize.Of(entries[^1]);
        }

        Invariant.Check(entries.Count >= 1 && entries[0].Slot == m.FromSlot && entries[^1].Slot <= commitIndex, "a catch-up starts at the requested slot and carries chosen slots only");
        Send(new CatchUp(self, m.From, commitIndex, entries));
    }

    private void OfferSnapshot(int node)
    {
        SnapshotOffer previous = snapshotOffered[node];
        if (previous.Index == log.SnapshotIndex && now - previous.At < options.SnapshotRetryTicks)
        {
            return;
        }

        snapshotOffered[node] = new SnapshotOffer(log.SnapshotIndex, now);
        snapshotsToSend.Add(new SnapshotTransfer(node, log.SnapshotIndex));
    }

    /// <summary>
    /// Stores chosen entries that extend the commit index. A chosen value that differs from this
    /// node's own proposal for the slot, or carries a higher ballot, proves a newer leader exists: a
    /// leader or candidate steps down first, so it never advertises a commit index covering a slot
    /// where its followers hold its own, unchosen, proposal.
    /// </summary>
    private void OnCatchUp(CatchUp m)
    {
        ulong before = commitIndex;
        for (int i = 0; i < m.Entries.Count; i++)
        {
            LogEntry entry = m.Entries[i];
            Observe(entry.Ballot);
            if (entry.Slot <= commitIndex)
            {
                Invariant.Check(
                    entry.Slot <= log.SnapshotIndex || log.EntryAt(entry.Slot).Value.ContentEquals(entry.Value),
                    "a chosen slot's value never changes");
                continue;
            }

            if (entry.Slot != commitIndex + 1)
            {
                break;
            }

            bool holdsSameValue = log.Contains(entry.Slot) && log.At(entry.Slot).Value!.ContentEquals(entry.Value);
            if (role != ReplicaRole.Follower && (entry.Ballot > ballot || (!holdsSameValue && HoldsOwnProposal(entry.Slot))))
            {
                BecomeFollower(-1);
            }

            if (!holdsSameValue)
            {
                Persist(entry);
            }

            log.At(entry.Slot).Chosen = true;
            commitIndex = entry.Slot;
        }

        AdvanceCommit();
        Invariant.Check(commitIndex >= before, "catch-up only extends the commit index");
        catchUpRetryAt = 0;
        if (commitIndex < m.CommitIndex)
        {
            RequestCatchUp(m.From);
        }
    }

    private bool HoldsOwnProposal(ulong slot) => log.Contains(slot) && log.At(slot).Ballot == ballot;

    /// <summary>
    /// The application took a snapshot covering every slot up to <paramref name="index"/> (at most the
    /// applied index): the log drops those slots. Later catch-up requests for them get a snapshot.
    /// </summary>
    public void Compact(ulong index)
    {
        Invariant.Check(index <= appliedIndex, "only applied slots can be compacted");
        SendUnsentAccepts(lazyToo: true); // a lazy follower is sent every slot before the log forgets it
        log.CompactTo(index);
        Invariant.Check(log.SnapshotIndex >= index && log.SnapshotIndex <= appliedIndex, "the log keeps every slot above the snapshot");
        Invariant.Check(leader is null || Enumerable.Range(0, Membership.MaxNumbers).All(peer => (ChainPeers() & Bit(peer)) == 0 || leader.NextToSend[peer] > index), "every follower was sent every slot compacted");
        CheckInvariants();
    }

    /// <summary>
    /// Every entry this replica holds above its snapshot, in slot order: the last one written for
    /// each slot, so each was in the recovered state or in a <see cref="Ready.Entries"/>. A driver
    /// rewrites them when it compacts its durable log after a snapshot.
    /// </summary>
    public IEnumerable<LogEntry> RetainedEntries() => EntriesAbove(log.SnapshotIndex);

    /// <summary>
    /// Every entry this replica holds above <paramref name="slot"/> (at or above its snapshot), in slot order, as
    /// <see cref="RetainedEntries"/>: what a driver rewrites when it starts writing a snapshot at <paramref name="slot"/>
    /// and compacts the log only once that snapshot is durable.
    /// </summary>
    public IEnumerable<LogEntry> EntriesAbove(ulong slot)
    {
        Invariant.Check(slot >= log.SnapshotIndex, "entries below the snapshot are gone");
        for (slot++; slot <= log.LastSlot; slot++)
        {
            if (log.Contains(slot))
            {
                yield return log.EntryAt(slot);
            }
        }
    }

    /// <summary>
    /// The driver installed a snapshot (from <see cref="Ready.SnapshotsToSend"/> of a peer) covering
    /// every slot up to <paramref name="index"/>, with <paramref name="snapshotMembership"/> the membership
    /// chosen as of it: those slots are chosen and applied, and dropped from the log. Call only between an <see cref="Advance"/> and the next <see cref="TakeReady"/>. A
    /// leader that lagged keeps leading if the snapshot covers none of its own undecided proposals
    /// (<see cref="SnapshotSparesOwnProposals"/>); a candidate steps down.
    /// </summary>
    public void ReportSnapshotInstalled(ulong index, Membership snapshotMembership)
    {
        ArgumentNullException.ThrowIfNull(snapshotMembership);
        Invariant.Check(!awaitingAdvance, "install snapshots between ready cycles");
        Invariant.Check(snapshotMembership.Slot <= index, "a snapshot's membership was chosen at or below its index");
        if (index <= appliedIndex)
        {
            return;
        }

        Progress before = CurrentProgress;
        if (index > membershipKnownTo)
        {
            membership = snapshotMembership;
            membershipKnownTo = index;
        }

        if (role == ReplicaRole.Candidate || (role == ReplicaRole.Leader && !SnapshotSparesOwnProposals(index)))
        {
            BecomeFollower(-1);
        }

        log.CompactTo(index);
        commitIndex = Math.Max(commitIndex, index);
        appliedIndex = index;
        catchUpRetryAt = 0;
        AdvanceCommit();
        Invariant.Check(commitIndex >= index && log.SnapshotIndex >= index && appliedIndex == index, "a snapshot's slots are chosen, applied and compacted");
        Invariant.Check(leader is null || leader.NextSlot > commitIndex, "a leader keeps proposing above the chosen prefix");
        LearnMemberships();
        CheckProgress(before);
    }

    /// <summary>
    /// Whether a snapshot up to <paramref name="index"/> leaves this leader's proposals as they were:
    /// it ends below the next slot the leader would propose in (the open batch's included), and every
    /// slot it covers where the leader holds a proposal of its own is chosen already. Otherwise the
    /// snapshot's value there may be another leader's, which proves a newer ballot; the leader steps
    /// down rather than tell its followers that its own proposal was chosen.
    /// </summary>
    private bool SnapshotSparesOwnProposals(ulong index)
    {
        Invariant.Check(leader is not null, "only a leader has proposals to spare");
        if (index >= leader!.ProposedEnd)
        {
            return false;
        }

        for (ulong slot = Math.Max(commitIndex, log.SnapshotIndex) + 1; slot <= Math.Min(index, log.LastSlot); slot++)
        {
            if (HoldsOwnProposal(slot) && !log.At(slot).Chosen)
            {
                return false;
            }
        }

        return true;
    }
}
