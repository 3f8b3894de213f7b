namespace Paxos.KeyValue;

/// <summary>Removes <see cref="TxnOperation.Key"/> if present, at the transaction's index.</summary>
public sealed class TxnDelete(string key) : TxnOperation(key);
