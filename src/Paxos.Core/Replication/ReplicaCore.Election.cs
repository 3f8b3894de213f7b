namespace Paxos.Core.Replication;

/// <summary>
/// Leader election as phase 1 for all slots at once. A candidate picks the lowest ballot of its own
/// above every ballot it has seen and prepares every slot from its first unchosen one. With a quorum
/// of promises it re-proposes, for each slot above the highest reported commit index, the value with
/// the highest accepted ballot among the promises, fills holes with no-ops, and appends a no-op of its
/// own (the read barrier). A nack or a message in a higher ballot sends it back to follower with a
/// fresh random timeout, so duelling candidates converge.
/// </summary>
public sealed partial class ReplicaCore
{
    /// <summary>The candidate's phase 1; null in other roles.</summary>
    private PromiseTally? candidacy;

    private void StartCandidacy()
    {
        ClearProposerState();
        role = ReplicaRole.Candidate;
        leaderId = -1;
        ballot = Ballot.NextAbove(highestSeen, self);
        RaisePromise(ballot);
        ResetElectionTimer();

        candidacy = new PromiseTally(options.ClusterSize, commitIndex + 1);
        candidacy.Add(self, commitIndex, commitIndex + 1, ulong.MaxValue, UnchosenAcceptedFrom(commitIndex + 1));
        for (int peer = 0; peer < options.ClusterSize; peer++)
        {
            if (peer != self)
            {
                Send(new Prepare(self, peer, ballot, commitIndex + 1));
            }
        }

        if (IsQuorum(candidacy.Complete))
        {
            BecomeLeader(candidacy);
        }
    }

    private void OnPromise(Promise m)
    {
        Invariant.Check(m.FirstSlot <= m.LastSlot, "a promise part covers a slot range");
        if (m.Ballot != ballot || role == ReplicaRole.Follower)
        {
            return;
        }

        if (role == ReplicaRole.Leader)
        {
            OnRecoveryPromise(m);
            return;
        }

        Invariant.Check(candidacy is not null, "a candidate has a phase 1 in progress");
        // Planted bug for the simulator only: ignore-accepted skips the reported values.
        candidacy!.Add(m.From, m.CommitIndex, m.FirstSlot, m.LastSlot, options.PlantIgnoreAccepted ? [] : m.Accepted);
        if (IsQuorum(candidacy.Complete))
        {
            BecomeLeader(candidacy);
        }
    }

    private void OnNack(Nack m)
    {
        Observe(m.Promised);
        if (role != ReplicaRole.Follower && m.Rejected == ballot && m.Promised > ballot)
        {
            BecomeFollower(-1);
        }
    }

    /// <summary>
    /// Phase 1 is complete. Slots up to the highest commit index among the promises are chosen
    /// already (their values are fetched by catch-up, or recovered by a phase 1 re-run (ReplicaCore.Recovery.cs),
    /// never taken from this phase 1); every later slot up to the highest reported one is re-proposed
    /// with its highest-ballot value, or a no-op if none was reported.
    /// </summary>
    private void BecomeLeader(PromiseTally phaseOne)
    {
        Invariant.Check(role == ReplicaRole.Candidate && IsQuorum(phaseOne.Complete), "a candidate leads once a quorum's promises are complete");
        role = ReplicaRole.Leader;
        leaderId = self;
        heartbeatElapsed = 0;
        Array.Clear(ackedRound);
        candidacy = null;

        // The promises just received are replies in this ballot: the first quorum check counts them
        // (it runs a full election timeout from now: the candidacy cleared its counter).
        heardSinceCheck = phaseOne.Complete;

        ulong chosenUpTo = Math.Max(phaseOne.HighestCommit, commitIndex);
        ulong highest = chosenUpTo;
        foreach (KeyValuePair<ulong, LogEntry> pair in phaseOne.Reported)
        {
            highest = Math.Max(highest, pair.Key);
        }

        for (ulong slot = chosenUpTo + 1; slot <= highest; slot++)
        {
            // Planted bug for the simulator only: skip-recovery proposes no-ops over the learned values.
            SlotValue value = !options.PlantSkipRecovery && phaseOne.Reported.TryGetValue(slot, out LogEntry entry) ? entry.Value : SlotValue.NoOp;
            ProposeAt(slot, value);
        }

        readBarrierSlot = highest + 1;
        ProposeAt(readBarrierSlot, SlotValue.NoOp);
        nextSlot = readBarrierSlot + 1;
        StartThriftyPhase2(chosenUpTo + 1, phaseOne.Complete);
        StartChosenRecovery(chosenUpTo);

        if (chosenUpTo > commitIndex)
        {
            RequestCatchUp(phaseOne.HighestCommitFrom);
        }

        BroadcastHeartbeat();
        Invariant.Check(nextSlot > chosenUpTo && nextSlot > commitIndex, "a new leader proposes only above the chosen prefix");
    }

    private void ClearProposerState()
    {
        ClearPreVote();
        candidacy = null;
        ClearLeaderState();
    }
}
