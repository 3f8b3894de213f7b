namespace Paxos.Storage.Wal;

/// <summary>One record of a batch given to <see cref="WriteAheadLog.AppendBatchAsync"/>.</summary>
/// <param name="Type">The caller's record type byte.</param>
/// <param name="Payload">The opaque payload; must stay unchanged until the append completes.</param>
public readonly record struct WalAppend(byte Type, ReadOnlyMemory<byte> Payload);
