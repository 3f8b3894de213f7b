namespace Paxos.KeyValue;

/// <summary>One key of a <see cref="KeyValuePage"/>: its value (immutable) and the index of its last write.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value.</param>
/// <param name="Index">The index of the write that set the value.</param>
public sealed record KeyValueEntry(string Key, ReadOnlyMemory<byte> Value, ulong Index);
