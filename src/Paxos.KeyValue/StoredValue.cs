namespace Paxos.KeyValue;

/// <summary>A key's value, the index of the write that set it and the lease it is attached to (0: none). The array is never modified.</summary>
internal readonly record struct StoredValue(byte[] Value, ulong Index, ulong LeaseId = 0);
