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
    private void StartCandidacy()
    {
        Invariant.Check(role != ReplicaRole.Leader, "a leader does not run for election");
        Ballot seenBefore = highestSeen;
        LeaveProposerRole();
        role = ReplicaRole.Candidate;
        leaderId = -1;
        ballot = Ballot.NextAbove(highestSeen, self);
        RaisePromise(ballot);
        ResetElectionTimer();

        candidacy = PreparePhaseOne();
        RefreshChain();
        Invariant.Check(ballot > seenBefore && promised == ballot && highestSeen == ballot, "a candidate's ballot is above every ballot it saw, and promised");
        CheckRoleState();
        if (IsQuorum(candidacy.Complete))
        {
            BecomeLeader(candidacy);
        }
    }

    /// <summary>Phase 1 in this node's ballot for every slot from its first unchosen one: its own promise counted, a Prepare to every peer.</summary>
    private PromiseTally PreparePhaseOne()
    {
        Invariant.Check(role != ReplicaRole.Follower && promised == ballot && ballot.NodeId == self, "phase 1 runs in this node's own ballot, promised");
        var tally = new PromiseTally(Membership.MaxNumbers, commitIndex + 1);
        tally.Add(self, commitIndex, commitIndex + 1, ulong.MaxValue, UnchosenAcceptedFrom(commitIndex + 1));
        prepared = 0;
        SendPrepares(tally.FirstSlot, ChainPeers());
        return tally;
    }

    /// <summary>Sends this ballot's Prepare to those of <paramref name="peers"/> not yet sent it.</summary>
    private void SendPrepares(ulong fromSlot, uint peers)
    {
        for (uint rest = peers & ~prepared; rest != 0;)
        {
            Send(new Prepare(self, TakeLowest(ref rest), ballot, fromSlot));
        }

        prepared |= peers;
    }

    private void OnPromise(Promise m)
    {
        Invariant.Check(m.FirstSlot <= m.LastSlot, "a promise part covers a slot range");
        if (m.Ballot != ballot || role == ReplicaRole.Follower)
        {
            return;
        }

        if (leader is { } lead)
        {
            OnRecoveryPromise(lead, m);
            return;
        }

        Invariant.Check(candidacy is not null && promised == ballot, "a candidate has a phase 1 in progress in the ballot it promised");
        // Planted bug for the simulator only: stale-membership ignores the newer membership.
        if (m.MembershipSlot > membership.Slot && !options.PlantStaleMembership)
        {
            // A membership this node has not learned was chosen below the slots it prepares: its
            // quorums may be the wrong ones. It learns the change from that node before it runs again.
            BecomeFollower(-1);
            RequestCatchUp(m.From);
            return;
        }

        // Planted bug for the simulator only: ignore-accepted skips the reported values.
        candidacy!.Add(m.From, m.CommitIndex, m.FirstSlot, m.LastSlot, options.PlantIgnoreAccepted ? [] : m.Accepted);
        RefreshChain();
        SendPrepares(candidacy.FirstSlot, ChainPeers()); // a membership reported for a later slot brings its nodes in
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

        Invariant.Check(role == ReplicaRole.Follower || highestSeen >= m.Promised, "a nack's ballot is seen");
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
        Invariant.Check(ReferenceEquals(phaseOne, candidacy) && promised == ballot, "a leader is elected by its own phase 1 in the ballot it promised");
        ulong chosenUpTo = Math.Max(phaseOne.HighestCommit, commitIndex);
        ulong highest = chosenUpTo;
        foreach (KeyValuePair<ulong, LogEntry> pair in phaseOne.Reported)
        {
            highest = Math.Max(highest, pair.Key);
        }

        role = ReplicaRole.Leader;
        leaderId = self;
        candidacy = null;

        // The promises just received are replies in this ballot: the first quorum check counts them
        // (it runs a full election timeout from now), and thrifty phase 2 takes the promisers for
        // responsive; every slot from the first unchosen one goes to every follower at once.
        var lead = new LeaderState(Membership.MaxNumbers, chosenUpTo, phaseOne.Complete, now);
        leader = lead;
        for (ulong slot = chosenUpTo + 1; slot <= highest; slot++)
        {
            // Planted bug for the simulator only: skip-recovery proposes no-ops over the learned values.
            SlotValue value = !options.PlantSkipRecovery && phaseOne.Reported.TryGetValue(slot, out LogEntry entry) ? entry.Value : SlotValue.NoOp;
            ProposeAt(lead, slot, value);
        }

        lead.ReadBarrierSlot = highest + 1;
        ProposeAt(lead, lead.ReadBarrierSlot, SlotValue.NoOp);
        lead.NextSlot = lead.ReadBarrierSlot + 1;
        RefreshChain(); // the memberships re-proposed above, the same the candidacy's quorums covered
        SendUnsentAccepts(lazyToo: true);
        lead.ProposedSinceFlush = false;
        lead.StalledCommit = commitIndex;

        if (chosenUpTo > commitIndex)
        {
            RequestCatchUp(phaseOne.HighestCommitFrom);
        }

        BroadcastHeartbeat(lead);
        Invariant.Check(lead.NextSlot > chosenUpTo && lead.NextSlot > commitIndex, "a new leader proposes only above the chosen prefix");
        Invariant.Check(Enumerable.Range(0, Membership.MaxNumbers).All(peer => (ChainPeers() & Bit(peer)) == 0 || lead.NextToSend[peer] == lead.NextSlot), "every follower was sent every slot proposed on election");
        CheckRoleState();
    }
}
