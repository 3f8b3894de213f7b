using System.Numerics;

namespace Paxos.Core.Replication;

/// <summary>
/// Membership changes. A slot may carry a new <see cref="Membership"/> instead of commands; it
/// governs every slot after it (Lamport's reconfiguration with α = 1). Each change moves at most one
/// voter, so a majority of a membership and a majority of the next always intersect. The rules:
/// <list type="number">
/// <item><b>Committed membership.</b> A node's <see cref="Membership"/> is the newest one chosen at or
/// below its commit index (or its snapshot's). Only a voter of it campaigns; a learner never does.</item>
/// <item><b>Phase 2.</b> A leader counts a slot chosen only when its acceptors are a majority of every
/// membership in its <em>chain</em>: the committed one, then each membership it proposes (or
/// re-proposed on election) above its commit index, in slot order. Whichever of them ends up
/// governing the slot, a majority of it accepted.</item>
/// <item><b>One change at a time.</b> A leader proposes a change only while its chain holds one
/// membership, so changes are chosen in order, each from the one before.</item>
/// <item><b>Phase 1.</b> A candidate needs complete promises from a majority of every membership in its
/// chain: its committed one, then each membership among the values it will re-propose (the
/// highest-ballot reports above the highest commit index reported). If a promiser knows a newer
/// committed membership (<see cref="Promise.MembershipSlot"/>), a change the candidate has not
/// learned was chosen below the slots it prepares: it stops, and catches up from that node first.</item>
/// </list>
/// Why phase 1 finds every chosen value: let slot s be chosen with a majority of every membership of
/// its leader's chain. The candidate's first membership is older than or equal to the one governing
/// s. If older, the next change c was chosen by a majority of the candidate's membership, which meets
/// the candidate's majority in an acceptor that either knows c chosen (and reports a newer
/// membership: the candidate stops) or reports c's value (highest-ballot among a majority of the
/// membership governing c: the chosen one), so the chain grows by c's membership; by induction the
/// chain reaches the membership governing s, and a majority of it meets the acceptors of s.
/// </summary>
public sealed partial class ReplicaCore
{
    /// <summary>The newest membership chosen at or below the commit index (or the snapshot's).</summary>
    private Membership membership;

    /// <summary>Every membership chosen up to this slot is in <see cref="membership"/>.</summary>
    private ulong membershipKnownTo;

    /// <summary>The memberships a quorum must be a majority of, in slot order: the committed one first (see <see cref="RefreshChain"/>).</summary>
    private Membership[] chain;

    /// <summary>The nodes sent this candidacy's Prepare.</summary>
    private uint prepared;

    /// <summary>The newest membership chosen at or below the commit index (or the snapshot's): who votes and who learns.</summary>
    public Membership Membership => membership;

    /// <summary>True while this node is a voter of its committed membership (a learner or a node not yet added never campaigns).</summary>
    public bool IsVoter => membership.IsVoter(self);

    /// <summary>
    /// Proposes one membership change (only the leader does). Refused while another is not chosen,
    /// when it would leave no voter, or (a promotion) when the learner has not applied every slot
    /// chosen so far. A retried change that already holds is <see cref="MembershipChangeStatus.Unchanged"/>.
    /// </summary>
    public MembershipChangeResult ChangeMembership(MembershipChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        Progress before = CurrentProgress;
        MembershipChangeResult result = DecideChange(change);
        CheckProgress(before);
        Invariant.Check(result.Status != MembershipChangeStatus.Proposed || (chain.Length == 2 && chain[1].Slot == result.Slot), "a proposed change is the second and last membership of the leader's chain");
        return result;
    }

    private MembershipChangeResult DecideChange(MembershipChange change)
    {
        if (leader is not { } lead)
        {
            return Answer(MembershipChangeStatus.NotLeader, string.Empty);
        }

        if (chain.Length > 1 || lead.Transfer is not null)
        {
            return Answer(MembershipChangeStatus.InProgress, chain.Length > 1
                ? $"the membership change in slot {chain[^1].Slot} is not chosen yet"
                : "a leadership transfer is under way");
        }

        Member? target = change.Kind == MembershipChangeKind.AddLearner ? membership.FindByName(change.Name) : membership.Find(change.Number);
        List<Member> members = [.. membership.Members];
        int nextNumber = membership.NextNumber;
        switch (change.Kind)
        {
            case MembershipChangeKind.AddLearner when target is not null:
                return target.Url == change.Url
                    ? Answer(MembershipChangeStatus.Unchanged, string.Empty)
                    : Answer(MembershipChangeStatus.Refused, $"node {change.Name} is a member already, at {target.Url}");
            case MembershipChangeKind.AddLearner when membership.Members.Any(member => member.Url == change.Url && change.Url.Length > 0):
                return Answer(MembershipChangeStatus.Refused, $"{change.Url} is the url of another member");
            case MembershipChangeKind.AddLearner when nextNumber >= Membership.MaxNumbers:
                return Answer(MembershipChangeStatus.Refused, $"this cluster has assigned all {Membership.MaxNumbers} node numbers");
            case MembershipChangeKind.AddLearner:
                members.Add(new Member(nextNumber++, change.Name, change.Url, IsVoter: false));
                break;
            case MembershipChangeKind.Promote when target is null:
                return Answer(MembershipChangeStatus.Refused, $"node {change.Number} is not a member");
            case MembershipChangeKind.Promote when target.IsVoter:
                return Answer(MembershipChangeStatus.Unchanged, string.Empty);
            case MembershipChangeKind.Promote when !CaughtUp(lead, change.Number):
                return Answer(MembershipChangeStatus.Refused,
                    $"learner {target.Name} has applied slot {lead.AppliedIndex[change.Number]} of the {lead.PromotionFloor[change.Number]} chosen when its promotion was first asked; retry once it has caught up");
            case MembershipChangeKind.Promote:
                members[members.IndexOf(target)] = target with { IsVoter = true };
                break;
            case MembershipChangeKind.Remove when target is null:
                return Answer(MembershipChangeStatus.Unchanged, string.Empty);
            case MembershipChangeKind.Remove when change.Number == self:
                return Answer(MembershipChangeStatus.RemovesLeader, "hand the leadership to another voter first");
            case MembershipChangeKind.Remove when target.IsVoter && BitOperations.PopCount(membership.Voters) == 1:
                return Answer(MembershipChangeStatus.Refused, $"node {target.Name} is the last voter");
            case MembershipChangeKind.Remove:
                members.Remove(target);
                break;
        }

        var next = new Membership(0, members, nextNumber);
        Invariant.Check(BitOperations.PopCount(next.Voters ^ membership.Voters) <= 1, "a change moves at most one voter");
        CloseBatch(lead);
        ulong slot = lead.NextSlot++;
        next = next.At(slot);
        ProposeAt(lead, slot, new SlotValue(next, ballot));
        RefreshChain();
        return new MembershipChangeResult(MembershipChangeStatus.Proposed, slot, ballot, next, self, string.Empty);
    }

    /// <summary>Whether learner <paramref name="number"/> applied every slot chosen when its promotion was first asked of this leader.</summary>
    private bool CaughtUp(LeaderState lead, int number)
    {
        if (lead.PromotionFloor[number] == 0)
        {
            lead.PromotionFloor[number] = Math.Max(commitIndex, 1);
        }

        return lead.AppliedIndex[number] >= lead.PromotionFloor[number];
    }

    private MembershipChangeResult Answer(MembershipChangeStatus status, string reason) =>
        new(status, membership.Slot, Ballot.Zero, membership, leaderId, reason);

    /// <summary>At the end of every input: the committed membership takes in every membership chosen up to the commit index; the chain follows.</summary>
    private void LearnMemberships()
    {
        int before = chain.Length;
        RefreshChain();
        while (leader is { } lead && chain.Length < before)
        {
            // The change a longer chain waited for is chosen: slots that a majority of the remaining
            // memberships accepted are chosen now (no later acceptance may come to count them).
            before = chain.Length;
            RecountAcceptances(lead);
            RefreshChain();
        }

        if (role == ReplicaRole.Leader && !membership.IsVoter(self))
        {
            BecomeFollower(-1); // a leader removed (or made a learner) by a change it re-proposed on election
            RefreshChain();
        }

        Invariant.Check(membership.Slot <= membershipKnownTo && membershipKnownTo == commitIndex, "the committed membership is the newest chosen at or below the commit index");
    }

    /// <summary>Marks chosen every slot above the commit index whose acceptances are a quorum of the current chain.</summary>
    private void RecountAcceptances(LeaderState lead)
    {
        bool any = false;
        for (ulong slot = commitIndex + 1; slot < lead.ProposedEnd; slot++)
        {
            if (HoldsOwnProposal(slot) && !log.At(slot).Chosen && IsQuorum(log.At(slot).AckMask))
            {
                log.At(slot).Chosen = true;
                any = true;
            }
        }

        if (any)
        {
            AdvanceCommit();
        }
    }

    /// <summary>The committed membership takes in every membership chosen up to the commit index.</summary>
    private void AbsorbChosenMemberships()
    {
        for (ulong slot = Math.Max(membershipKnownTo, log.SnapshotIndex) + 1; slot <= commitIndex; slot++)
        {
            if (log.EntryAt(slot).Value.Membership is { } chosen)
            {
                membership = chosen.At(slot);
            }
        }

        membershipKnownTo = Math.Max(membershipKnownTo, commitIndex);
    }

    /// <summary>
    /// Sets <see cref="chain"/>: for a leader, the committed membership and then those it proposed
    /// above its commit index; for a candidate, the committed membership and those among the values
    /// its phase 1 will re-propose; for a follower, the committed membership alone.
    /// </summary>
    private void RefreshChain()
    {
        AbsorbChosenMemberships();
        List<Membership>? longer = null;
        if (leader is { } lead)
        {
            for (ulong slot = commitIndex + 1; slot < lead.ProposedEnd; slot++)
            {
                if (HoldsOwnProposal(slot) && log.EntryAt(slot).Value.Membership is { } proposed)
                {
                    (longer ??= [membership]).Add(proposed.At(slot));
                }
            }
        }
        else if (candidacy is { } tally)
        {
            ulong chosenUpTo = Math.Max(tally.HighestCommit, commitIndex);
            foreach (KeyValuePair<ulong, LogEntry> pair in tally.Reported)
            {
                if (pair.Key > chosenUpTo && pair.Value.Value.Membership is { } reported)
                {
                    (longer ??= [membership]).Add(reported.At(pair.Key));
                }
            }
        }

        if (longer is not null)
        {
            chain = [.. longer];
        }
        else if (chain.Length != 1 || chain[0] != membership)
        {
            chain = [membership]; // allocated only when it changes: this runs after every input
        }
        Invariant.Check(chain[0] == membership, "every chain starts with the committed membership");
    }

    /// <summary>True if <paramref name="mask"/> holds a majority of every membership of the chain.</summary>
    private bool IsQuorum(uint mask)
    {
        foreach (Membership config in chain)
        {
            if (!config.IsQuorum(mask))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Every node of the chain's memberships but this one: who a leader or candidate sends to.</summary>
    private uint ChainPeers()
    {
        uint peers = 0;
        foreach (Membership config in chain)
        {
            peers |= config.All;
        }

        return peers & ~Bit(self);
    }

    /// <summary>Every voter of the chain's memberships.</summary>
    private uint ChainVoters()
    {
        uint voters = 0;
        foreach (Membership config in chain)
        {
            voters |= config.Voters;
        }

        return voters;
    }

    /// <summary>The lowest node number in <paramref name="mask"/>, removed from it: <c>for (uint m = mask; m != 0;) { int n = TakeLowest(ref m); }</c>.</summary>
    private static int TakeLowest(ref uint mask)
    {
        int number = BitOperations.TrailingZeroCount(mask);
        mask &= mask - 1;
        return number;
    }
}
