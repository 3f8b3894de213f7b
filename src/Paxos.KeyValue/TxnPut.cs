namespace Paxos.KeyValue;

/// <summary>Sets <see cref="TxnOperation.Key"/> to <see cref="Value"/> at the transaction's index.</summary>
public sealed class TxnPut : TxnOperation
{
    /// <summary>Creates a put; <paramref name="value"/> is kept, not copied.</summary>
    public TxnPut(string key, byte[] value)
        : base(key)
    {
        ArgumentNullException.ThrowIfNull(value);
        ValueArray = value;
    }

    /// <summary>The new value; at most <see cref="KeyValueLimits.MaxValueBytes"/> bytes.</summary>
    public ReadOnlyMemory<byte> Value => ValueArray;

    internal byte[] ValueArray { get; }
}
