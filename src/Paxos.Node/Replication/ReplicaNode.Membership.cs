using Microsoft.Extensions.Logging;
using Paxos.Core;
using Paxos.Core.Replication;

namespace Paxos.Node.Replication;

/// <summary>
/// Membership changes at the node: the applied membership (as of <see cref="AppliedSlot"/>), which
/// snapshots store and the transport follows (<see cref="IReplicaPeers.UpdateMembership"/>); changes
/// proposed through the core and answered once their slot is applied; and removal of this node.
/// </summary>
public sealed partial class ReplicaNode
{
    /// <summary>The membership chosen as of <see cref="AppliedSlot"/>: who this node's state machine knows as voters and learners.</summary>
    public Membership Membership => _membership;

    /// <summary>The newest membership chosen at or below the commit index: whose majorities this node's quorums count. It may be ahead of <see cref="Membership"/>.</summary>
    public Membership CommittedMembership => _core.Membership;

    /// <summary>True once this node applied a membership that no longer holds it: it was removed, and should stop.</summary>
    public bool IsRemoved { get; private set; }

    /// <summary>
    /// Proposes <paramref name="change"/> (only the leader does; the caller forwards to it).
    /// <paramref name="reply"/> hears <see cref="ReplicaOutcomeKind.Done"/> with the membership once the
    /// change's slot is applied here, at once if the membership already is what it asks for (a retry),
    /// or: <see cref="ReplicaOutcomeKind.NotLeader"/> if this node does not lead, or if the change
    /// removes it (it hands the leadership to the voter that has applied the most and names it: retry
    /// there); <see cref="ReplicaOutcomeKind.Refused"/> while another change is in progress or if the
    /// change is unsafe; <see cref="ReplicaOutcomeKind.NotChosen"/> if leadership changed and another
    /// value took its slot; <see cref="ReplicaOutcomeKind.Unknown"/> if a snapshot covered its slot
    /// first; <see cref="ReplicaOutcomeKind.Overloaded"/> if too many changes wait for their slots.
    /// </summary>
    public void ChangeMembership(MembershipChange change, IReplicaReply<ReplicaOutcome<Membership>> reply)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(reply);
        if (reply.IsDone)
        {
            return;
        }
        if (_changes.Count >= MaxWaitingChanges)
        {
            reply.Answer(ReplicaOutcome<Membership>.Overloaded($"{_changes.Count} membership changes are already waiting for their slots"));
            return;
        }
        var result = _core.ChangeMembership(change);
        switch (result.Status)
        {
            case MembershipChangeStatus.Proposed:
                Invariant.Check(result.Slot > _appliedSlot && !_changes.ContainsKey(result.Slot), "a change is proposed in a slot not yet applied, where nothing of this node waits");
                _changes.Add(result.Slot, (result.Origin, reply));
                LogChangeProposed(change.Kind, result.Slot, result.Membership);
                break;
            case MembershipChangeStatus.Unchanged:
                reply.Answer(ReplicaOutcome<Membership>.Done(result.Membership));
                break;
            case MembershipChangeStatus.NotLeader:
                reply.Answer(ReplicaOutcome<Membership>.NotLeader(result.LeaderHint));
                break;
            case MembershipChangeStatus.RemovesLeader:
                int successor = Successor();
                if (successor >= 0 && TransferLeadership(successor))
                {
                    reply.Answer(ReplicaOutcome<Membership>.NotLeader(successor));
                }
                else
                {
                    reply.Answer(ReplicaOutcome<Membership>.Refused($"node {NodeId} leads and no other voter can take over"));
                }
                break;
            default:
                reply.Answer(ReplicaOutcome<Membership>.Refused(result.Reason));
                break;
        }
    }

    /// <summary>The voter of the committed membership, other than this node, that reported the highest applied index (a reachable one first), or -1.</summary>
    private int Successor()
    {
        int best = -1;
        foreach (var member in _core.Membership.Members)
        {
            if (member.IsVoter && member.Number != NodeId && (best < 0 || Better(member.Number, best)))
            {
                best = member.Number;
            }
        }
        return best;

        bool Better(int candidate, int than) =>
            _peers.IsDown(candidate) != _peers.IsDown(than) ? _peers.IsDown(than) : _peerApplied[candidate] > _peerApplied[than];
    }

    /// <summary>Learns a peer's applied index from its heartbeat reply (the message was validated by the core).</summary>
    private void NotePeerProgress(ReplicaMessage message)
    {
        if (message is HeartbeatReply reply)
        {
            _peerApplied[reply.From] = Math.Max(_peerApplied[reply.From], reply.AppliedIndex);
        }
    }

    /// <summary>The applied membership is now <paramref name="applied"/>: the transport follows it, and a node it no longer holds is removed.</summary>
    private void AdoptMembership(Membership applied)
    {
        Invariant.Check(applied.Slot <= _appliedSlot, "the applied membership was chosen at or below the applied slot");
        _membership = applied;
        _peers.UpdateMembership(applied);
        LogMembership(applied);
        if (!IsRemoved && applied.WasRemoved(NodeId))
        {
            IsRemoved = true;
            LogRemoved(NodeId, applied.Slot);
        }
    }

    /// <summary>The change waiting for <paramref name="entry"/>'s slot, if any, succeeds if the slot holds the value it proposed, and fails otherwise.</summary>
    private void SettleChange(LogEntry entry)
    {
        if (!_changes.Remove(entry.Slot, out var waiting))
        {
            return;
        }
        if (entry.Value.Membership is not null && entry.Value.Origin == waiting.Origin)
        {
            Invariant.Check(_membership.Slot == entry.Slot, "a change is answered with the membership its slot chose");
            waiting.Reply.Answer(ReplicaOutcome<Membership>.Done(_membership));
        }
        else
        {
            waiting.Reply.Answer(ReplicaOutcome<Membership>.NotChosen(entry.Slot));
        }
    }

    /// <summary>Takes every change waiting for a slot up to <paramref name="slot"/>, with the slot it waited for, for the caller to end.</summary>
    private List<(ulong Slot, IReplicaReply<ReplicaOutcome<Membership>> Reply)> TakeChangesThrough(ulong slot)
    {
        var taken = new List<(ulong, IReplicaReply<ReplicaOutcome<Membership>>)>();
        foreach (ulong covered in _changes.Keys.Where(waiting => waiting <= slot).ToList())
        {
            _changes.Remove(covered, out var waiting);
            taken.Add((covered, waiting.Reply));
        }
        return taken;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "proposed a membership change ({Kind}) in slot {Slot}: {Membership}")]
    private partial void LogChangeProposed(MembershipChangeKind kind, ulong slot, Membership membership);

    [LoggerMessage(Level = LogLevel.Information, Message = "applied {Membership}")]
    private partial void LogMembership(Membership membership);

    [LoggerMessage(Level = LogLevel.Warning, Message = "node {Node} was removed from the cluster by the membership chosen at slot {Slot}: it takes no further part")]
    private partial void LogRemoved(int node, ulong slot);
}
