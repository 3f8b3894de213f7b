namespace Paxos.Checking;

/// <summary>What a <see cref="KvOperationKind.Txn"/> compares its key on.</summary>
public enum TxnCompareKind
{
    /// <summary>The key holds <see cref="KvInput.Expected"/>.</summary>
    Value,

    /// <summary>
    /// The key's index (of its last put) equals <see cref="KvInput.ExpectedIndex"/>, 0 for an absent
    /// key. Every written value is unique, so the index a client read with a value stands for that
    /// value: <see cref="KvInput.Expected"/> holds it (null for index 0), and the model compares it.
    /// </summary>
    Index,

    /// <summary>The key exists.</summary>
    Exists,

    /// <summary>The key does not exist.</summary>
    Absent,
}
