namespace Paxos.Core.Replication;

/// <summary>
/// Leadership transfer (raft's leader transfer, etcd's MoveLeader): the leader stops taking new
/// commands (<see cref="Propose"/> reports <see cref="ProposeStatus.Busy"/>, so the driver holds them),
/// waits until every slot it proposed is chosen, then sends the successor a <see cref="TakeOver"/>;
/// the successor starts phase 1 at once. Safety does not depend on any of it: whoever runs phase 1,
/// the acceptors' promises carry every value that may have been chosen. If the successor has not
/// taken over within an election timeout, the leader gives up the transfer and serves commands again.
/// </summary>
public sealed partial class ReplicaCore
{
    /// <summary>The node this leader is handing its leadership to, or -1.</summary>
    public int TransferTarget => leader?.Transfer?.Successor ?? -1;

    /// <summary>
    /// Starts handing the leadership to <paramref name="successor"/>. False (and nothing changes)
    /// unless this node leads, no transfer is under way, and <paramref name="successor"/> is another
    /// node of the cluster.
    /// </summary>
    public bool TransferLeadership(int successor)
    {
        if (leader is not { } lead || lead.Transfer is not null || successor == self || chain.Any(config => !config.IsVoter(successor)))
        {
            return false;
        }

        lead.Transfer = new LeaderState.LeadershipTransfer(successor);
        TryHandOver(lead);
        Invariant.Check(TransferTarget == successor, "a transfer is under way until it completes or times out");
        CheckRoleState();
        return true;
    }

    /// <summary>Sends the successor its <see cref="TakeOver"/> once nothing this leader proposed is still in flight.</summary>
    private void TryHandOver(LeaderState lead)
    {
        if (lead.Transfer is not { } transfer || transfer.TakeOverSent || lead.OpenBatch.Count > 0 || lead.ProposedSinceFlush || commitIndex + 1 < lead.NextSlot)
        {
            return;
        }

        SendUnsent(transfer.Successor); // a lazy successor gets its missing slots ahead of the TakeOver
        transfer.TakeOverSent = true;
        Send(new TakeOver(self, transfer.Successor, ballot, commitIndex));
        Invariant.Check(lead.NextToSend[transfer.Successor] >= lead.NextSlot, "the successor was sent every slot before its TakeOver");
    }

    /// <summary>On the leader, once per tick: a transfer that did not complete within an election timeout is abandoned.</summary>
    private void TickTransfer(LeaderState lead)
    {
        if (lead.Transfer is { } transfer && ++transfer.Elapsed >= options.ElectionTicks)
        {
            lead.Transfer = null;
        }
    }

    /// <summary>
    /// The successor's side: honoured only from the leader this node follows in the ballot it
    /// promised (a late or duplicated one from an earlier leadership is ignored).
    /// </summary>
    private void OnTakeOver(TakeOver m)
    {
        Observe(m.Ballot);
        if (role != ReplicaRole.Follower || m.Ballot != promised || leaderId != m.From)
        {
            return;
        }

        LearnCommitFromLeader(m.Ballot, m.CommitIndex, catchUp: true);
        StartCandidacy();
        Invariant.Check(role != ReplicaRole.Follower && ballot > m.Ballot, "a successor runs phase 1 in a ballot above its old leader's");
    }
}
