namespace Paxos.KeyValue.Watching;

/// <summary>One change to one key; its index is its <see cref="ChangeBatch"/>'s.</summary>
/// <param name="Kind">Put or delete.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The new value of a put (immutable, shared with the store); empty for a delete.</param>
public sealed record ChangeEvent(ChangeKind Kind, string Key, ReadOnlyMemory<byte> Value);
