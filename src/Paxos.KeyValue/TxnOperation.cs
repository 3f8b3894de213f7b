namespace Paxos.KeyValue;

/// <summary>One operation of a branch of a <see cref="TxnCommand"/>: <see cref="TxnPut"/>, <see cref="TxnDelete"/> or <see cref="TxnGet"/>.</summary>
public abstract class TxnOperation
{
    private protected TxnOperation(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Key = key;
    }

    /// <summary>The key operated on.</summary>
    public string Key { get; }
}
