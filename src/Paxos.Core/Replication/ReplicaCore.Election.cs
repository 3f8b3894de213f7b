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
    private uint promiseMask;
    private ulong promisedCommit;
    private int promisedCommitFrom;
    private readonly SortedDictionary<ulong, LogEntry> reported = [];

    private void StartCandidacy()
    {
        ClearProposerState();
        role = ReplicaRole.Candidate;
        leaderId = -1;
        ballot = Ballot.NextAbove(highestSeen, self);
        RaisePromise(ballot);
        ResetElectionTimer();

        promiseMask = Bit(self);
        promisedCommit = commitIndex;
        promisedCommitFrom = self;
        foreach (LogEntry entry in UnchosenAcceptedFrom(commitIndex + 1))
        {
            reported[entry.Slot] = entry;
        }

        for (int peer = 0; peer < options.ClusterSize; peer++)
        {
            if (peer != self)
            {
                Send(new Prepare(self, peer, ballot, commitIndex + 1));
            }
        }

        if (IsQuorum(promiseMask))
        {
            BecomeLeader();
        }
    }

    private void OnPromise(Promise m)
    {
        if (role != ReplicaRole.Candidate || m.Ballot != ballot || (promiseMask & Bit(m.From)) != 0)
        {
            return;
        }

        promiseMask |= Bit(m.From);
        if (m.CommitIndex > promisedCommit)
        {
            promisedCommit = m.CommitIndex;
            promisedCommitFrom = m.From;
        }

        // Planted bug for the simulator only: ignore-accepted skips the reported values.
        foreach (LogEntry entry in options.PlantIgnoreAccepted ? [] : m.Accepted)
        {
            if (!reported.TryGetValue(entry.Slot, out LogEntry known) || entry.Ballot > known.Ballot)
            {
                reported[entry.Slot] = entry;
            }
        }

        if (IsQuorum(promiseMask))
        {
            BecomeLeader();
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
    /// already (their values are fetched by catch-up, never re-proposed); every later slot up to the
    /// highest reported one is re-proposed with its highest-ballot value, or a no-op if none was
    /// reported.
    /// </summary>
    private void BecomeLeader()
    {
        role = ReplicaRole.Leader;
        leaderId = self;
        heartbeatElapsed = 0;
        Array.Clear(ackedRound);

        // The promises just received are replies in this ballot: the first quorum check counts them
        // (it runs a full election timeout from now: the candidacy cleared its counter).
        heardSinceCheck = promiseMask;

        ulong chosenUpTo = Math.Max(promisedCommit, commitIndex);
        ulong highest = chosenUpTo;
        foreach (KeyValuePair<ulong, LogEntry> pair in reported)
        {
            highest = Math.Max(highest, pair.Key);
        }

        for (ulong slot = chosenUpTo + 1; slot <= highest; slot++)
        {
            // Planted bug for the simulator only: skip-recovery proposes no-ops over the learned values.
            SlotValue value = !options.PlantSkipRecovery && reported.TryGetValue(slot, out LogEntry entry) ? entry.Value : SlotValue.NoOp;
            ProposeAt(slot, value);
        }

        reported.Clear();
        readBarrierSlot = highest + 1;
        ProposeAt(readBarrierSlot, SlotValue.NoOp);
        nextSlot = readBarrierSlot + 1;
        StartThriftyPhase2(chosenUpTo + 1);

        if (chosenUpTo > commitIndex)
        {
            RequestCatchUp(promisedCommitFrom);
        }

        BroadcastHeartbeat();
    }

    private void ClearProposerState()
    {
        ClearPreVote();
        promiseMask = 0;
        reported.Clear();
        ClearLeaderState();
    }
}
