namespace Paxos.KeyValue;

/// <summary>The outcome of a <see cref="LeaseRevokeCommand"/> or <see cref="LeaseExpireCommand"/>.</summary>
/// <param name="found">Whether the lease existed and was ended (with its keys) by this command.</param>
/// <param name="index">The command's index: the one index at which every attached key was deleted.</param>
public sealed class LeaseRevokeResult(bool found, ulong index) : KeyValueResult
{
    /// <summary>Whether the lease existed and was ended by this command.</summary>
    public bool Found { get; } = found;

    /// <summary>The index at which the command was applied.</summary>
    public ulong Index { get; } = index;
}
