namespace Paxos.Core.Replication;

/// <summary>
/// How a leader gets the chosen values it lacks. Slots up to the highest commit index it heard of
/// (in phase 1 or in a reply) are chosen; it fetches their values by catch-up from the node that
/// reported that index. If that node fails first and no other reports as much, catch-up alone never
/// completes, though the values may sit with acceptors that do not know them chosen. So a leader
/// whose commit index stays below what it knows chosen for an election timeout re-runs phase 1 in
/// its own ballot from its commit index (its followers promised that ballot already and answer
/// with their accepted entries). With a quorum's complete promises, each lacking slot is either
/// covered by a reported commit index (fetched from that node) or re-proposed in the leader's
/// ballot with its highest-ballot reported value, the ordinary rule of phase 1: a quorum that chose
/// the slot intersects the one that reported, and every entry there in a ballot at least the
/// choosing one holds the chosen value. Nothing is marked chosen that a quorum did not accept in
/// this ballot or another node reported chosen, so safety is phase 1's and phase 2's. Its state
/// is in <see cref="LeaderState"/>.
/// </summary>
public sealed partial class ReplicaCore
{
    /// <summary>A peer reported its commit index in this leader's ballot: it knows those slots chosen, and has their values.</summary>
    private void LearnChosenFrom(LeaderState lead, int peer, ulong peerCommit)
    {
        if (peerCommit <= commitIndex)
        {
            return;
        }

        lead.KnownChosen = Math.Max(lead.KnownChosen, peerCommit);
        RequestCatchUp(peer);
        Invariant.Check(lead.KnownChosen > commitIndex, "a leader knows chosen what a peer reported");
    }

    /// <summary>Once per leader tick: starts a phase 1 re-run after an election timeout without progress towards <see cref="LeaderState.KnownChosen"/>.</summary>
    private void CheckChosenValuesArrive(LeaderState lead)
    {
        Invariant.Check(role == ReplicaRole.Leader, "only a leader recovers chosen values");
        if (commitIndex >= lead.KnownChosen || commitIndex != lead.StalledCommit)
        {
            lead.StalledCommit = commitIndex;
            lead.StalledTicks = 0;
            return;
        }

        if (++lead.StalledTicks < options.ElectionTicks)
        {
            return;
        }

        lead.StalledTicks = 0;
        lead.Recovery = PreparePhaseOne();
    }

    /// <summary>A promise in this leader's own ballot: a part of the answer to a phase 1 re-run.</summary>
    private void OnRecoveryPromise(LeaderState lead, Promise m)
    {
        Invariant.Check(role == ReplicaRole.Leader && m.Ballot == ballot && promised == ballot, "a leader takes promises of its own ballot only");
        lead.Heard(m.From, now);
        if (lead.Recovery is null)
        {
            return;
        }

        lead.Recovery.Add(m.From, m.CommitIndex, m.FirstSlot, m.LastSlot, m.Accepted);
        if (!IsQuorum(lead.Recovery.Complete))
        {
            return;
        }

        PromiseTally phaseOne = lead.Recovery;
        lead.Recovery = null;
        lead.KnownChosen = Math.Max(lead.KnownChosen, phaseOne.HighestCommit);
        if (phaseOne.HighestCommit > commitIndex)
        {
            RequestCatchUp(phaseOne.HighestCommitFrom);
        }

        slotScratch.Clear();
        for (ulong slot = Math.Max(commitIndex, phaseOne.HighestCommit) + 1; slot <= lead.KnownChosen; slot++)
        {
            if (HoldsOwnProposal(slot) || (log.Contains(slot) && log.At(slot).Chosen))
            {
                continue;
            }

            bool reported = phaseOne.Reported.TryGetValue(slot, out LogEntry entry);
            Invariant.Check(reported, "a chosen slot is reported by an acceptor of every quorum above its commit index");
            ProposeAt(lead, slot, entry.Value);
            slotScratch.Add(slot);
        }

        for (uint peers = ChainPeers(); peers != 0;)
        {
            SendAccepts(TakeLowest(ref peers), slotScratch);
        }

        Invariant.Check(role == ReplicaRole.Leader && lead.Recovery is null, "a completed recovery leaves the leader leading");
    }
}
