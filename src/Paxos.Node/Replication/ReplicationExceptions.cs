namespace Paxos.Node.Replication;

/// <summary>This node does not lead; <see cref="LeaderHint"/> is the node it believes does (-1: unknown).</summary>
public sealed class NotLeaderException(int leaderHint)
    : Exception(leaderHint >= 0 ? $"this node is not the leader; node {leaderHint} is" : "this node is not the leader and knows no leader")
{
    /// <summary>The index of the node believed to lead, or -1.</summary>
    public int LeaderHint { get; } = leaderHint;
}

/// <summary>A replicated command's slot was filled with another value (leadership changed before it was chosen); it was not applied.</summary>
public sealed class NotChosenException(ulong slot)
    : Exception($"leadership changed before slot {slot} was chosen: the command was not applied; retry it")
{
    /// <summary>The slot the command had been proposed in.</summary>
    public ulong Slot { get; } = slot;
}

/// <summary>
/// The command's fate is unknown to this node (its slot was covered by a snapshot installed from the
/// leader, or the leader it was forwarded to stopped answering); it may or may not have been applied.
/// </summary>
public sealed class OutcomeUnknownException(string reason) : Exception(reason + ": the command may or may not have been applied");

/// <summary>Too many commands are waiting for room in the pipeline (or for the leader's answer); the command was not proposed. Retry later.</summary>
public sealed class OverloadedException(string reason) : Exception(reason + ": overloaded, retry later");

/// <summary>The command alone is larger than a slot's batch may be; it was not proposed.</summary>
public sealed class CommandTooLargeException() : ArgumentException("the command is larger than a slot's batch may be");

/// <summary>A membership change was refused: another is in progress, or it is unsafe or invalid. Nothing changed.</summary>
public sealed class MembershipChangeRefusedException(string reason) : Exception(reason + ": the membership change was refused, nothing changed");
