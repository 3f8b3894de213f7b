namespace Paxos.KeyValue;

/// <summary>
/// One condition of a <see cref="TxnCommand"/>: the key's value, last-write index or existence
/// compared with an operand. Only the operand of its <see cref="Target"/> is kept (the others are
/// empty, 0 and false), so a compare has one encoding.
/// </summary>
public sealed class TxnCompare
{
    private TxnCompare(string key, CompareTarget target, CompareOperator op, byte[] value, ulong index, bool exists)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        Key = key;
        Target = target;
        Operator = op;
        ValueArray = value;
        Index = index;
        Exists = exists;
    }

    /// <summary>The key compared.</summary>
    public string Key { get; }

    /// <summary>What is compared.</summary>
    public CompareTarget Target { get; }

    /// <summary>How it is compared.</summary>
    public CompareOperator Operator { get; }

    /// <summary>The operand of <see cref="CompareTarget.Value"/>.</summary>
    public ReadOnlyMemory<byte> Value => ValueArray;

    /// <summary>The operand of <see cref="CompareTarget.Index"/>.</summary>
    public ulong Index { get; }

    /// <summary>The operand of <see cref="CompareTarget.Exists"/>.</summary>
    public bool Exists { get; }

    internal byte[] ValueArray { get; }

    /// <summary>Compares the key's value with <paramref name="value"/> (kept, not copied).</summary>
    public static TxnCompare OnValue(string key, CompareOperator op, byte[] value) => new(key, CompareTarget.Value, op, value, 0, false);

    /// <summary>Compares the index of the key's last write (0 if absent) with <paramref name="index"/>.</summary>
    public static TxnCompare OnIndex(string key, CompareOperator op, ulong index) => new(key, CompareTarget.Index, op, [], index, false);

    /// <summary>Compares whether the key exists with <paramref name="exists"/>.</summary>
    public static TxnCompare OnExists(string key, CompareOperator op, bool exists) => new(key, CompareTarget.Exists, op, [], 0, exists);

    /// <summary>Whether the compare holds for a key that is <paramref name="found"/> with <paramref name="current"/>.</summary>
    internal bool Holds(bool found, StoredValue current) => Target switch
    {
        CompareTarget.Value => found && Satisfies(current.Value.AsSpan().SequenceCompareTo(ValueArray)),
        CompareTarget.Index => Satisfies((found ? current.Index : 0).CompareTo(Index)),
        _ => Satisfies(found.CompareTo(Exists)),
    };

    private bool Satisfies(int comparison) => Operator switch
    {
        CompareOperator.Equal => comparison == 0,
        CompareOperator.NotEqual => comparison != 0,
        CompareOperator.Less => comparison < 0,
        _ => comparison > 0,
    };
}
