namespace Paxos.Checking;

/// <summary>
/// What a client asked for. Values are strings compared ordinally: a harness that stores byte
/// arrays converts them (for example to hex or UTF-8) before recording, which keeps traces readable
/// and lets the checker intern values cheaply. <see langword="null"/> never stands for a value.
/// </summary>
/// <param name="Kind">The operation.</param>
/// <param name="Key">The key the operation touches; the checker partitions histories by it.</param>
/// <param name="Value">The value written by <see cref="KvOperationKind.Put"/> or the new value of a compare-and-swap.</param>
/// <param name="ExpectAbsent">For compare-and-swap: succeed only if the key is absent.</param>
/// <param name="Expected">For compare-and-swap when <paramref name="ExpectAbsent"/> is false: the value the key must hold.</param>
public sealed record KvInput(KvOperationKind Kind, string Key, string? Value, bool ExpectAbsent, string? Expected)
{
    /// <summary>Put(key, value).</summary>
    public static KvInput Put(string key, string value) => new(KvOperationKind.Put, key, value, false, null);

    /// <summary>Get(key).</summary>
    public static KvInput Get(string key) => new(KvOperationKind.Get, key, null, false, null);

    /// <summary>Delete(key).</summary>
    public static KvInput Delete(string key) => new(KvOperationKind.Delete, key, null, false, null);

    /// <summary>
    /// CompareAndSwap(key, expectAbsent, expected, newValue): if <paramref name="expectAbsent"/> the
    /// swap requires the key to be absent, otherwise it requires the key to hold <paramref name="expected"/>.
    /// </summary>
    public static KvInput CompareAndSwap(string key, bool expectAbsent, string? expected, string newValue)
    {
        if (!expectAbsent && expected is null)
        {
            throw new ArgumentException("a compare-and-swap that does not expect absence needs an expected value", nameof(expected));
        }

        return new(KvOperationKind.CompareAndSwap, key, newValue, expectAbsent, expectAbsent ? null : expected);
    }

    /// <summary>Put: the lease the value is attached to (0: none). Lease operations: the lease.</summary>
    public ulong Lease { get; init; }

    /// <summary>Lease grant: the time to live asked for.</summary>
    public long TtlMilliseconds { get; init; }

    /// <summary>Txn: what the key is compared on.</summary>
    public TxnCompareKind Compare { get; init; }

    /// <summary>Txn with <see cref="TxnCompareKind.Index"/>: the index compared with.</summary>
    public ulong ExpectedIndex { get; init; }

    /// <summary>Txn: the other key its success branch writes.</summary>
    public string? SecondKey { get; init; }

    /// <summary>Txn: the value its success branch puts to <see cref="SecondKey"/>, or null if it deletes it.</summary>
    public string? SecondValue { get; init; }

    /// <summary>Put(key, value) attached to lease <paramref name="lease"/>.</summary>
    public static KvInput PutWithLease(string key, string value, ulong lease) => Put(key, value) with { Lease = lease };

    /// <summary>
    /// Txn: if <paramref name="key"/> passes the compare, put <paramref name="value"/> to it and
    /// <paramref name="secondValue"/> to <paramref name="secondKey"/> (delete it if null); otherwise read <paramref name="key"/>.
    /// </summary>
    public static KvInput Txn(string key, TxnCompareKind compare, string? expected, ulong expectedIndex, string value, string secondKey, string? secondValue)
    {
        if (compare == TxnCompareKind.Value && expected is null)
        {
            throw new ArgumentException("a compare on the value needs the expected value", nameof(expected));
        }

        return new(KvOperationKind.Txn, key, value, false, expected)
        {
            Compare = compare,
            ExpectedIndex = expectedIndex,
            SecondKey = secondKey,
            SecondValue = secondValue,
        };
    }

    /// <summary>Grants a lease of <paramref name="ttlMilliseconds"/>.</summary>
    public static KvInput LeaseGrant(long ttlMilliseconds) => new(KvOperationKind.LeaseGrant, string.Empty, null, false, null) { TtlMilliseconds = ttlMilliseconds };

    /// <summary>Renews lease <paramref name="lease"/>.</summary>
    public static KvInput LeaseKeepAlive(ulong lease) => new(KvOperationKind.LeaseKeepAlive, string.Empty, null, false, null) { Lease = lease };

    /// <summary>Revokes lease <paramref name="lease"/>.</summary>
    public static KvInput LeaseRevoke(ulong lease) => new(KvOperationKind.LeaseRevoke, string.Empty, null, false, null) { Lease = lease };

    /// <summary>The leader's expiry of lease <paramref name="lease"/>.</summary>
    public static KvInput LeaseExpire(ulong lease) => new(KvOperationKind.LeaseExpire, string.Empty, null, false, null) { Lease = lease };

    /// <summary>A succeeded Txn's write to its second key, as that key's history holds it.</summary>
    internal KvInput OnSecondKey() => new(KvOperationKind.TxnWrite, SecondKey!, SecondValue, false, null);

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        KvOperationKind.Put => Lease == 0 ? $"Put({Key}, {KvText.Abbreviate(Value)})" : $"Put({Key}, {KvText.Abbreviate(Value)}, lease {Lease})",
        KvOperationKind.Txn => $"Txn({Key} {DescribeCompare()} ? Put({Key}, {KvText.Abbreviate(Value)}) {(SecondValue is null ? $"Delete({SecondKey})" : $"Put({SecondKey}, {KvText.Abbreviate(SecondValue)})")} : Get({Key}))",
        KvOperationKind.TxnWrite => $"Txn-write({Key}, {KvText.Abbreviate(Value) ?? "deleted"})",
        KvOperationKind.LeaseGrant => $"LeaseGrant({TtlMilliseconds} ms)",
        KvOperationKind.LeaseKeepAlive => $"LeaseKeepAlive({Lease})",
        KvOperationKind.LeaseRevoke => $"LeaseRevoke({Lease})",
        KvOperationKind.LeaseExpire => $"LeaseExpire({Lease})",
        KvOperationKind.Get => $"Get({Key})",
        KvOperationKind.Delete => $"Delete({Key})",
        _ => $"CAS({Key}, {(ExpectAbsent ? "absent" : KvText.Abbreviate(Expected))} -> {KvText.Abbreviate(Value)})",
    };

    private string DescribeCompare() => Compare switch
    {
        TxnCompareKind.Value => $"== {KvText.Abbreviate(Expected)}",
        TxnCompareKind.Index => $"index == {ExpectedIndex} ({Expected ?? "absent"})",
        TxnCompareKind.Exists => "exists",
        _ => "absent",
    };
}
