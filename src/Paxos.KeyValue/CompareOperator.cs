namespace Paxos.KeyValue;

/// <summary>How a <see cref="TxnCompare"/> compares; the numbers are those of the contract's <c>Compare.Op</c>.</summary>
public enum CompareOperator
{
    /// <summary>The key's side equals the operand.</summary>
    Equal = 0,

    /// <summary>The key's side differs from the operand.</summary>
    NotEqual = 1,

    /// <summary>The key's side is below the operand (bytes: lexicographically).</summary>
    Less = 2,

    /// <summary>The key's side is above the operand (bytes: lexicographically).</summary>
    Greater = 3,
}
