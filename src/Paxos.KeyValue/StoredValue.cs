namespace Paxos.KeyValue;

/// <summary>A key's value and the index of the write that set it. The array is never modified.</summary>
internal readonly record struct StoredValue(byte[] Value, ulong Index);
