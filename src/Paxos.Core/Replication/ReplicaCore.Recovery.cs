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
/// this ballot or another node reported chosen, so safety is phase 1's and phase 2's.
/// </summary>
public sealed partial class ReplicaCore
{
    /// <summary>On the leader: every slot up to this one is known to be chosen.</summary>
    private ulong knownChosen;

    /// <summary>On the leader: the commit index at the last tick, and for how many ticks it stayed below <see cref="knownChosen"/>.</summary>
    private ulong stalledCommit;
    private int stalledTicks;

    /// <summary>On the leader: the phase 1 re-run for the chosen slots it lacks, while one is in progress.</summary>
    private PromiseTally? recovery;

    /// <summary>A peer reported its commit index in this leader's ballot: it knows those slots chosen, and has their values.</summary>
    private void LearnChosenFrom(int peer, ulong peerCommit)
    {
        if (peerCommit <= commitIndex)
        {
            return;
        }

        knownChosen = Math.Max(knownChosen, peerCommit);
        RequestCatchUp(peer);
    }

    /// <summary>Once per leader tick: starts a phase 1 re-run after an election timeout without progress towards <see cref="knownChosen"/>.</summary>
    private void CheckChosenValuesArrive()
    {
        Invariant.Check(role == ReplicaRole.Leader, "only a leader recovers chosen values");
        if (commitIndex >= knownChosen || commitIndex != stalledCommit)
        {
            stalledCommit = commitIndex;
            stalledTicks = 0;
            return;
        }

        if (++stalledTicks < options.ElectionTicks)
        {
            return;
        }

        stalledTicks = 0;
        recovery = new PromiseTally(options.ClusterSize, commitIndex + 1);
        recovery.Add(self, commitIndex, commitIndex + 1, ulong.MaxValue, UnchosenAcceptedFrom(commitIndex + 1));
        for (int peer = 0; peer < options.ClusterSize; peer++)
        {
            if (peer != self)
            {
                Send(new Prepare(self, peer, ballot, commitIndex + 1));
            }
        }
    }

    /// <summary>A promise in this leader's own ballot: a part of the answer to a phase 1 re-run.</summary>
    private void OnRecoveryPromise(Promise m)
    {
        Invariant.Check(role == ReplicaRole.Leader && m.Ballot == ballot, "a leader takes promises of its own ballot only");
        HeardFrom(m.From);
        if (recovery is null)
        {
            return;
        }

        recovery.Add(m.From, m.CommitIndex, m.FirstSlot, m.LastSlot, m.Accepted);
        if (!IsQuorum(recovery.Complete))
        {
            return;
        }

        PromiseTally phaseOne = recovery;
        recovery = null;
        knownChosen = Math.Max(knownChosen, phaseOne.HighestCommit);
        if (phaseOne.HighestCommit > commitIndex)
        {
            RequestCatchUp(phaseOne.HighestCommitFrom);
        }

        slotScratch.Clear();
        for (ulong slot = Math.Max(commitIndex, phaseOne.HighestCommit) + 1; slot <= knownChosen; slot++)
        {
            if (HoldsOwnProposal(slot) || (log.Contains(slot) && log.At(slot).Chosen))
            {
                continue;
            }

            bool reported = phaseOne.Reported.TryGetValue(slot, out LogEntry entry);
            Invariant.Check(reported, "a chosen slot is reported by an acceptor of every quorum above its commit index");
            ProposeAt(slot, entry.Value);
            slotScratch.Add(slot);
        }

        for (int peer = 0; peer < options.ClusterSize; peer++)
        {
            if (peer != self)
            {
                SendAccepts(peer, slotScratch);
            }
        }
    }

    /// <summary>On becoming leader: slots up to <paramref name="chosenUpTo"/> are chosen; none is being recovered yet.</summary>
    private void StartChosenRecovery(ulong chosenUpTo)
    {
        knownChosen = chosenUpTo;
        stalledCommit = commitIndex;
        stalledTicks = 0;
        recovery = null;
    }
}
