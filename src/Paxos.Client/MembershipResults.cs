namespace Paxos.Client;

/// <summary>One member of the cluster's configuration (CONTRACT.md section 4).</summary>
/// <param name="Id">The node's id, as its cluster file names it (for example <c>node-5</c>).</param>
/// <param name="Url">How peers and clients reach it.</param>
/// <param name="IsVoter">True for a voter; false for a learner, which receives the log and never counts in a quorum.</param>
/// <param name="Number">The node's number in ballots and peer messages; never reused for another node.</param>
public sealed record MemberInfo(string Id, Uri Url, bool IsVoter, uint Number);

/// <summary>The cluster's configuration, as of a linearizable read.</summary>
/// <param name="Members">Every voter and learner.</param>
/// <param name="Slot">The log slot that chose this configuration; 0 for the founding one.</param>
/// <param name="LeaderId">The leader's id, or null when none is known.</param>
public sealed record MembershipInfo(IReadOnlyList<MemberInfo> Members, ulong Slot, string? LeaderId);

/// <summary>The answer to a membership change.</summary>
/// <param name="Members">The configuration once the change was chosen (or the current one, when nothing changed).</param>
/// <param name="Slot">The log slot that chose that configuration.</param>
/// <param name="Changed">False when the configuration already was so (a retried or redundant request).</param>
public sealed record MembershipChangeResult(IReadOnlyList<MemberInfo> Members, ulong Slot, bool Changed);
