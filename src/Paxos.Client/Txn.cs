using Google.Protobuf;
using V1 = Paxos.Transport.V1;

namespace Paxos.Client;

/// <summary>How a <see cref="TxnCompare"/> compares.</summary>
public enum TxnCompareOp
{
    /// <summary>Equal.</summary>
    Equal = 0,

    /// <summary>Not equal.</summary>
    NotEqual = 1,

    /// <summary>Less (values: lexicographically by bytes).</summary>
    Less = 2,

    /// <summary>Greater (values: lexicographically by bytes).</summary>
    Greater = 3,
}

/// <summary>A condition of a transaction (<see cref="PaxosClient.TxnAsync"/>).</summary>
public sealed class TxnCompare
{
    private TxnCompare(V1.Compare wire) => Wire = wire;

    internal V1.Compare Wire { get; }

    /// <summary>The index of the key's last write (0 if absent) compared with <paramref name="index"/>: a fencing token check with <see cref="TxnCompareOp.Equal"/>.</summary>
    public static TxnCompare Index(string key, TxnCompareOp op, ulong index) =>
        new(new V1.Compare { Key = key, Target = V1.Compare.Types.Target.Index, Op = (V1.Compare.Types.Op)op, Index = index });

    /// <summary>The key's value compared with <paramref name="value"/>; false for an absent key whatever the op.</summary>
    public static TxnCompare Value(string key, TxnCompareOp op, ReadOnlyMemory<byte> value) =>
        new(new V1.Compare { Key = key, Target = V1.Compare.Types.Target.Value, Op = (V1.Compare.Types.Op)op, Value = ByteString.CopyFrom(value.Span) });

    /// <summary>Whether the key exists, compared (Equal) with <paramref name="exists"/>.</summary>
    public static TxnCompare Exists(string key, bool exists) =>
        new(new V1.Compare { Key = key, Target = V1.Compare.Types.Target.Exists, Op = V1.Compare.Types.Op.Equal, Exists = exists });
}

/// <summary>An operation of a transaction's branch.</summary>
public sealed class TxnOperation
{
    private TxnOperation(V1.TxnOp wire) => Wire = wire;

    internal V1.TxnOp Wire { get; }

    /// <summary>Writes <paramref name="value"/> under <paramref name="key"/>, attached to lease <paramref name="leaseId"/> (0: none).</summary>
    public static TxnOperation Put(string key, ReadOnlyMemory<byte> value, ulong leaseId = 0) =>
        new(new V1.TxnOp { Put = new V1.PutRequest { Key = key, Value = ByteString.CopyFrom(value.Span), LeaseId = leaseId } });

    /// <summary>Deletes <paramref name="key"/>.</summary>
    public static TxnOperation Delete(string key) => new(new V1.TxnOp { Delete = new V1.DeleteRequest { Key = key } });

    /// <summary>Reads <paramref name="key"/> at the transaction's index.</summary>
    public static TxnOperation Get(string key) => new(new V1.TxnOp { Get = new V1.GetRequest { Key = key } });
}

/// <summary>The result of one operation of a transaction, in branch order.</summary>
/// <param name="Found">A get: whether the key exists; a delete: whether it existed; a put: true.</param>
/// <param name="Value">A get's value; empty otherwise.</param>
/// <param name="Index">A get: the index of the key's last write; a put or delete: the transaction's index.</param>
public sealed record TxnOperationResult(bool Found, ReadOnlyMemory<byte> Value, ulong Index);

/// <summary>The answer to a transaction.</summary>
/// <param name="Succeeded">Whether every compare held (the success branch ran) or not (the failure branch ran).</param>
/// <param name="Results">One per operation of the branch that ran.</param>
/// <param name="Index">The one index at which the transaction was applied.</param>
public sealed record TxnResult(bool Succeeded, IReadOnlyList<TxnOperationResult> Results, ulong Index);
