namespace Paxos.KeyValue;

/// <summary>Ends lease <see cref="LeaseId"/> now and deletes every key attached to it, all at the command's one index.</summary>
public sealed class LeaseRevokeCommand(ulong leaseId, string clientId = "", ulong requestId = 0) : KeyValueCommand(clientId, requestId)
{
    /// <summary>The lease to revoke.</summary>
    public ulong LeaseId { get; } = leaseId;
}
