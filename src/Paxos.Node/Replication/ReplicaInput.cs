using Paxos.Core.Replication;
using Paxos.Storage.Snapshots;

namespace Paxos.Node.Replication;

/// <summary>
/// One input queued for a <see cref="ReplicaDriver"/>'s loop: it hands itself to the
/// <see cref="ReplicaNode"/>, or, if the node stops before it was handled, fails its caller.
/// </summary>
internal abstract class ReplicaInput
{
    /// <summary>Hands the input to the node (on the loop).</summary>
    public abstract void HandTo(ReplicaNode node);

    /// <summary>The node stopped before the input was handled.</summary>
    public abstract void Fail(Exception reason);
}

/// <summary>A tick of the node's clock.</summary>
internal sealed class TickInput : ReplicaInput
{
    public static readonly TickInput Instance = new();

    public override void HandTo(ReplicaNode node) => node.Tick();

    public override void Fail(Exception reason)
    {
        // nothing waits for a tick
    }
}

/// <summary>A delivery of messages from a peer.</summary>
internal sealed class MessagesInput(List<ReplicaMessage> messages) : ReplicaInput
{
    public override void HandTo(ReplicaNode node) => node.Receive(messages);

    public override void Fail(Exception reason)
    {
        // peers resend what matters
    }
}

/// <summary>A command of a caller on this node.</summary>
internal sealed class ProposalInput(ReadOnlyMemory<byte> command, TaskReply<ReplicaOutcome<ReplicationResult>> reply) : ReplicaInput
{
    public override void HandTo(ReplicaNode node) => node.Propose(command, reply);

    public override void Fail(Exception reason) => reply.Fail(reason);
}

/// <summary>A read barrier.</summary>
internal sealed class ReadInput(TaskReply<ReplicaOutcome<ulong>> reply) : ReplicaInput
{
    public override void HandTo(ReplicaNode node) => node.ReadBarrier(reply);

    public override void Fail(Exception reason) => reply.Fail(reason);
}

/// <summary>A snapshot received from the leader, to install.</summary>
internal sealed class InstallInput(SnapshotWriter received, TaskReply<ulong> reply) : ReplicaInput
{
    public override void HandTo(ReplicaNode node) => node.InstallSnapshot(received, reply);

    public override void Fail(Exception reason) => reply.Fail(reason);
}

/// <summary>A membership change, proposed by the leader.</summary>
internal sealed class MembershipChangeInput(MembershipChange change, TaskReply<ReplicaOutcome<Membership>> reply) : ReplicaInput
{
    public override void HandTo(ReplicaNode node) => node.ChangeMembership(change, reply);

    public override void Fail(Exception reason) => reply.Fail(reason);
}

/// <summary>A request to hand the leadership to another voter.</summary>
internal sealed class TransferInput(int successor, TaskReply<bool> reply) : ReplicaInput
{
    public override void HandTo(ReplicaNode node) => reply.Answer(node.TransferLeadership(successor));

    public override void Fail(Exception reason) => reply.Fail(reason);
}

/// <summary>A snapshot written off the loop, handed back to compact the log.</summary>
internal sealed class SnapshotWrittenInput(SnapshotInProgress snapshot) : ReplicaInput
{
    public override void HandTo(ReplicaNode node) => node.SnapshotWritten(snapshot);

    public override void Fail(Exception reason)
    {
        // the node stops; its next start finds the snapshot, or the older one and the whole log
    }
}
