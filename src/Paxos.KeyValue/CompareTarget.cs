namespace Paxos.KeyValue;

/// <summary>What a <see cref="TxnCompare"/> looks at; the numbers are those of the contract's <c>Compare.Target</c>.</summary>
public enum CompareTarget
{
    /// <summary>The key's value, compared as bytes; false on an absent key whatever the operator.</summary>
    Value = 0,

    /// <summary>The index of the key's last write, 0 if absent.</summary>
    Index = 1,

    /// <summary>Whether the key exists (only <see cref="CompareOperator.Equal"/> and <see cref="CompareOperator.NotEqual"/>).</summary>
    Exists = 2,
}
