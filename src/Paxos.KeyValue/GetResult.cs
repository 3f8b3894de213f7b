namespace Paxos.KeyValue;

/// <summary>A read inside a transaction (<see cref="TxnGet"/>).</summary>
public sealed class GetResult : KeyValueResult
{
    /// <summary>Creates a read result; <paramref name="value"/> is kept, not copied.</summary>
    public GetResult(bool found, ReadOnlyMemory<byte> value, ulong index)
    {
        Found = found;
        Value = value;
        Index = index;
    }

    /// <summary>Whether the key existed.</summary>
    public bool Found { get; }

    /// <summary>The key's value, empty if absent.</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>The index of the key's last write (the transaction's own if it wrote the key earlier), 0 if absent.</summary>
    public ulong Index { get; }
}
