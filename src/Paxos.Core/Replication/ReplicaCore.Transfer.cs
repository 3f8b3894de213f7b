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
    private int transferTarget = -1;
    private int transferElapsed;
    private bool takeOverSent;

    /// <summary>The node this leader is handing its leadership to, or -1.</summary>
    public int TransferTarget => transferTarget;

    /// <summary>
    /// Starts handing the leadership to <paramref name="successor"/>. False (and nothing changes)
    /// unless this node leads, no transfer is under way, and <paramref name="successor"/> is another
    /// node of the cluster.
    /// </summary>
    public bool TransferLeadership(int successor)
    {
        if (role != ReplicaRole.Leader || transferTarget >= 0 || successor == self || successor < 0 || successor >= options.ClusterSize)
        {
            return false;
        }

        ClearTransferState();
        transferTarget = successor;
        TryHandOver();
        return true;
    }

    /// <summary>Sends the successor its <see cref="TakeOver"/> once nothing this leader proposed is still in flight.</summary>
    private void TryHandOver()
    {
        if (transferTarget < 0 || takeOverSent || openBatch.Count > 0 || proposedSinceFlush || commitIndex + 1 < nextSlot)
        {
            return;
        }

        SendUnsent(transferTarget); // a lazy successor gets its missing slots ahead of the TakeOver
        takeOverSent = true;
        Send(new TakeOver(self, transferTarget, ballot, commitIndex));
    }

    /// <summary>On the leader, once per tick: a transfer that did not complete within an election timeout is abandoned.</summary>
    private void TickTransfer()
    {
        if (transferTarget >= 0 && ++transferElapsed >= options.ElectionTicks)
        {
            transferTarget = -1;
            takeOverSent = false;
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
    }

    private void ClearTransferState()
    {
        transferTarget = -1;
        transferElapsed = 0;
        takeOverSent = false;
    }
}
