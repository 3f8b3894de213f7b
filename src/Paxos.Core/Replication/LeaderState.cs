namespace Paxos.Core.Replication;

/// <summary>
/// What a replica holds only while it leads: made when its phase 1 completes and dropped when it
/// steps down, so nothing of one leadership outlives it. Phase 2 (the open batch, the next slot,
/// per follower the next slot to send and its last reply), heartbeat rounds and the reads awaiting
/// a quorum round, the quorum check, the recovery of chosen values the leader lacks, and a
/// leadership transfer under way. The rules that use it are <see cref="ReplicaCore"/>'s.
/// </summary>
internal sealed class LeaderState
{
    /// <param name="clusterSize">Nodes in the cluster.</param>
    /// <param name="chosenUpTo">Every slot up to this one is known to be chosen: the leader proposes above it, and sends every follower every slot from the next one on.</param>
    /// <param name="promisers">The acceptors whose promises elected it: replies in its ballot, so responsive.</param>
    /// <param name="now">The current tick.</param>
    public LeaderState(int clusterSize, ulong chosenUpTo, uint promisers, long now)
    {
        Invariant.Check(clusterSize > 0 && promisers >> (clusterSize - 1) <= 1, "the promisers are nodes of the cluster");
        NextToSend = new ulong[clusterSize];
        LastHeard = new long[clusterSize];
        AckedRound = new ulong[clusterSize];
        AppliedIndex = new ulong[clusterSize];
        PromotionFloor = new ulong[clusterSize];
        for (int peer = 0; peer < clusterSize; peer++)
        {
            NextToSend[peer] = chosenUpTo + 1;
            LastHeard[peer] = (promisers & (1u << peer)) != 0 ? now : long.MinValue / 2;
        }

        HeardSinceCheck = promisers;
        KnownChosen = chosenUpTo;
    }

    /// <summary>Commands of the slot <see cref="OpenBatchSlot"/>, proposed when the batch closes (at the next Ready).</summary>
    public List<ReadOnlyMemory<byte>> OpenBatch { get; } = [];

    /// <summary>Bytes of the commands in <see cref="OpenBatch"/>.</summary>
    public int OpenBatchBytes { get; set; }

    /// <summary>The slot of <see cref="OpenBatch"/> while it holds a command: the last one allocated.</summary>
    public ulong OpenBatchSlot { get; set; }

    /// <summary>The next slot this leader allocates.</summary>
    public ulong NextSlot { get; set; }

    /// <summary>Slots up to this one are proposed (in the log, with this leader's Accepts to send): the open batch is not.</summary>
    public ulong ProposedEnd => OpenBatch.Count > 0 ? OpenBatchSlot : NextSlot;

    /// <summary>True while slots were proposed that the eager followers have not been sent.</summary>
    public bool ProposedSinceFlush { get; set; }

    /// <summary>Per peer: the first slot of this leadership not yet sent to it.</summary>
    public ulong[] NextToSend { get; }

    /// <summary>Per peer: the tick of its last reply in this leader's ballot.</summary>
    public long[] LastHeard { get; }

    /// <summary>Ticks since the last heartbeat round.</summary>
    public int HeartbeatElapsed { get; set; }

    /// <summary>Per node: the highest heartbeat round it answered in this leader's ballot (this node: the latest round).</summary>
    public ulong[] AckedRound { get; }

    /// <summary>Per node: the highest applied index it reported in this leader's ballot (whether a learner is caught up).</summary>
    public ulong[] AppliedIndex { get; }

    /// <summary>
    /// Per learner: the commit index when its promotion was first asked of this leader (0: never).
    /// It is promoted once it has applied that far; retries keep the first floor, so a learner of a
    /// busy cluster is not refused forever for lagging behind a commit index that keeps moving.
    /// </summary>
    public ulong[] PromotionFloor { get; }

    /// <summary>Reads waiting for a quorum to answer their heartbeat round, in arrival order.</summary>
    public Queue<PendingRead> PendingReads { get; } = new();

    /// <summary>The no-op this leader proposed on election: reads are answered once it is chosen.</summary>
    public ulong ReadBarrierSlot { get; set; }

    /// <summary>Ticks since the last quorum check.</summary>
    public int QuorumCheckElapsed { get; set; }

    /// <summary>The nodes that replied in this leader's ballot since the last quorum check.</summary>
    public uint HeardSinceCheck { get; set; }

    /// <summary>Every slot up to this one is known to be chosen.</summary>
    public ulong KnownChosen { get; set; }

    /// <summary>The commit index at the last tick; <see cref="StalledTicks"/> counts the ticks it stayed below <see cref="KnownChosen"/>.</summary>
    public ulong StalledCommit { get; set; }

    /// <summary>Ticks without progress towards <see cref="KnownChosen"/>.</summary>
    public int StalledTicks { get; set; }

    /// <summary>The phase 1 re-run for the chosen slots this leader lacks, while one is in progress.</summary>
    public PromiseTally? Recovery { get; set; }

    /// <summary>The leadership transfer under way, or null.</summary>
    public LeadershipTransfer? Transfer { get; set; }

    /// <summary>A reply in this leader's ballot from <paramref name="peer"/>: counted by the quorum check and by thrifty phase 2.</summary>
    public void Heard(int peer, long now)
    {
        HeardSinceCheck |= 1u << peer;
        LastHeard[peer] = now;
    }

    /// <summary>The nodes (this one included) that answered heartbeat round <paramref name="round"/> or a later one.</summary>
    public uint Confirmations(ulong round)
    {
        uint confirmed = 0;
        for (int node = 0; node < AckedRound.Length; node++)
        {
            if (AckedRound[node] >= round)
            {
                confirmed |= 1u << node;
            }
        }

        return confirmed;
    }

    /// <summary>A read waiting on the leader: its own (<paramref name="Origin"/> is the leader) or a follower's batch (the request id is its token).</summary>
    internal readonly record struct PendingRead(ulong RequestId, ulong CommitIndex, ulong Round, int Origin);

    /// <summary>A handover to <see cref="Successor"/>, abandoned after an election timeout.</summary>
    internal sealed class LeadershipTransfer(int successor)
    {
        public int Successor { get; } = successor;

        public int Elapsed { get; set; }

        public bool TakeOverSent { get; set; }
    }
}
