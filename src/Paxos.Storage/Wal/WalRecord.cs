namespace Paxos.Storage.Wal;

/// <summary>A record read back from the log during recovery. The payload is only valid during the callback.</summary>
/// <param name="Sequence">The record's log position, assigned by the log at append.</param>
/// <param name="Type">The caller's record type byte.</param>
/// <param name="Payload">The caller's opaque payload bytes.</param>
public readonly ref struct WalRecord(long Sequence, byte Type, ReadOnlySpan<byte> Payload)
{
    /// <summary>The record's log position, assigned by the log at append.</summary>
    public long Sequence { get; } = Sequence;

    /// <summary>The caller's record type byte.</summary>
    public byte Type { get; } = Type;

    /// <summary>The caller's opaque payload bytes, valid only during the callback.</summary>
    public ReadOnlySpan<byte> Payload { get; } = Payload;
}
