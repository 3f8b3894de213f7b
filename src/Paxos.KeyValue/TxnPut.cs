namespace Paxos.KeyValue;

/// <summary>Sets <see cref="TxnOperation.Key"/> to <see cref="Value"/> at the transaction's index, attached to lease <see cref="LeaseId"/> (0: none).</summary>
public sealed class TxnPut : TxnOperation
{
    /// <summary>Creates a put; <paramref name="value"/> is kept, not copied.</summary>
    public TxnPut(string key, byte[] value, ulong leaseId = 0)
        : base(key)
    {
        ArgumentNullException.ThrowIfNull(value);
        ValueArray = value;
        LeaseId = leaseId;
    }

    /// <summary>The new value; at most <see cref="KeyValueLimits.MaxValueBytes"/> bytes.</summary>
    public ReadOnlyMemory<byte> Value => ValueArray;

    /// <summary>The lease the key is attached to; 0 for none.</summary>
    public ulong LeaseId { get; }

    internal byte[] ValueArray { get; }
}
