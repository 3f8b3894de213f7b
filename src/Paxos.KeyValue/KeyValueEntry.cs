namespace Paxos.KeyValue;

/// <summary>One key of a <see cref="KeyValuePage"/>: its value (immutable), the index of its last write and its lease.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value.</param>
/// <param name="Index">The index of the write that set the value.</param>
/// <param name="LeaseId">The lease the key is attached to; 0 for none.</param>
public sealed record KeyValueEntry(string Key, ReadOnlyMemory<byte> Value, ulong Index, ulong LeaseId = 0);
