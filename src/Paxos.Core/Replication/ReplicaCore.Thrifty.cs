namespace Paxos.Core.Replication;

/// <summary>
/// Thrifty phase 2. A slot is chosen once a quorum accepted it, so the leader sends a new slot's
/// Accept at once only to its eager followers: the first quorum - 1 responsive ones in ring order
/// after itself (responsive: it replied in this ballot within the last two heartbeat intervals). The
/// other followers are lazy: every heartbeat they are sent, in one message per
/// <see cref="ReplicaOptions.MaxEntriesPerMessage"/> slots, everything proposed since, so they keep
/// a full log a heartbeat behind, can complete a quorum, and can lead next. Each Accept a follower
/// handles costs a read, an fsync and a reply; where the nodes share cores, the lazy followers' work
/// shrinks to one batch per heartbeat and stops competing with the critical path. If fewer than
/// quorum - 1 followers are responsive, every follower is eager. A lazy follower is sent what it
/// lacks at once when it asks for a read index (it serves the reads once it has applied that far)
/// and when it is the successor of a leadership transfer, and every follower is sent every slot
/// before a compaction drops it (else a lazy follower would need a snapshot after each one). Safety does not depend on who is sent
/// what: a slot is chosen by the acceptances of any quorum, and phase 1 finds them wherever they are.
/// </summary>
public sealed partial class ReplicaCore
{
    /// <summary>Sends the eager followers (and the lazy ones too if <paramref name="lazyToo"/>) the Accepts of the slots they were not sent yet.</summary>
    private void SendUnsentAccepts(bool lazyToo)
    {
        if (leader is not { } lead)
        {
            return;
        }

        uint eager = lazyToo ? uint.MaxValue : EagerFollowers(lead);
        for (uint peers = ChainPeers() & eager; peers != 0;)
        {
            SendUnsent(TakeLowest(ref peers));
        }
    }

    /// <summary>Sends <paramref name="peer"/> the Accepts of every slot proposed so far that it was not sent (the open batch is not proposed yet).</summary>
    private void SendUnsent(int peer)
    {
        if (leader is not { } lead || lead.NextToSend[peer] >= lead.ProposedEnd)
        {
            return;
        }

        Invariant.Check(peer != self, "a leader sends its own slots to its followers only");
        slotScratch.Clear();
        for (ulong slot = lead.NextToSend[peer]; slot < lead.ProposedEnd; slot++)
        {
            slotScratch.Add(slot);
        }

        SendAccepts(peer, slotScratch);
        lead.NextToSend[peer] = lead.ProposedEnd;
    }

    /// <summary>The first quorum - 1 responsive followers in ring order after this node, or every follower if there are fewer.</summary>
    private uint EagerFollowers(LeaderState lead)
    {
        if (!options.Thrifty || chain.Length > 1)
        {
            return uint.MaxValue; // during a membership change every follower is eager
        }

        uint eager = 0;
        int needed = membership.QuorumSize - 1;
        for (int step = 1; step < Membership.MaxNumbers && needed > 0; step++)
        {
            int peer = (self + step) % Membership.MaxNumbers;
            if (membership.IsVoter(peer) && now - lead.LastHeard[peer] <= 2L * options.HeartbeatTicks)
            {
                eager |= Bit(peer);
                needed--;
            }
        }

        return needed > 0 ? uint.MaxValue : eager;
    }
}
