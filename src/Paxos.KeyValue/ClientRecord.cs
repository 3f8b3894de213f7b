namespace Paxos.KeyValue;

/// <summary>What the exactly-once table remembers of one client: its latest applied write.</summary>
/// <param name="ClientId">The client.</param>
/// <param name="RequestId">The request id of its latest applied write.</param>
/// <param name="LastWriteIndex">The index at which that write was applied.</param>
/// <param name="Result">The encoded result of that write, returned again to a retry.</param>
internal sealed record ClientRecord(string ClientId, ulong RequestId, ulong LastWriteIndex, byte[] Result);
