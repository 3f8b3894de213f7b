namespace Paxos.KeyValue;

/// <summary>Reads <see cref="TxnOperation.Key"/> as it is at this point of the transaction (after its earlier operations).</summary>
public sealed class TxnGet(string key) : TxnOperation(key);
