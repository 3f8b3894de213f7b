namespace Paxos.Checking;

/// <summary>
/// One operation of a single-key history with its strings replaced by small integers, so the
/// search works on integers only. State and values: <see cref="RegisterModel.Absent"/> or an
/// interned value id. <paramref name="Lease"/>: for a put, the lease of its value; for a lease's
/// end, that lease (interned; 0 for none).
/// </summary>
internal readonly record struct CompiledOperation(
    KvOperationKind Kind,
    int NewValue,
    bool ExpectAbsent,
    int Expected,
    TxnCompareKind Compare,
    int Lease,
    bool Known,
    bool OutSucceeded,
    bool OutFound,
    int OutValue)
{
    /// <summary>
    /// True if the observed result proves the operation changed nothing in every state where it is
    /// legal: a completed read, failed compare-and-swap, or delete of an absent key.
    /// </summary>
    public bool ObservedNoOp => Known && Kind switch
    {
        KvOperationKind.Get => true,
        KvOperationKind.Delete => !OutFound,
        KvOperationKind.CompareAndSwap or KvOperationKind.Txn => !OutSucceeded,
        _ => false,
    };
}

/// <summary>
/// The sequential specification of one key of the key-value register. A value remembers the lease
/// it was put with (every value is written once, so the lease is the value's): a lease's end
/// deletes the key if its value holds that lease.
/// </summary>
internal static class RegisterModel
{
    /// <summary>The state of a key that holds no value.</summary>
    public const int Absent = -1;

    /// <summary>
    /// Applies <paramref name="op"/> in <paramref name="state"/>, where <paramref name="leaseOf"/>
    /// maps each value to its lease. Returns false if the observed output contradicts the
    /// specification; an unknown outcome never contradicts it.
    /// </summary>
    public static bool Step(in CompiledOperation op, int state, int[] leaseOf, out int next)
    {
        switch (op.Kind)
        {
            case KvOperationKind.Put or KvOperationKind.TxnWrite:
                next = op.NewValue;
                return true;
            case KvOperationKind.LeaseRevoke or KvOperationKind.LeaseExpire:
                next = state != Absent && leaseOf[state] == op.Lease ? Absent : state;
                return true;
            case KvOperationKind.Get:
                next = state;
                return !op.Known || (op.OutFound == (state != Absent) && (!op.OutFound || op.OutValue == state));
            case KvOperationKind.Delete:
                next = Absent;
                return !op.Known || op.OutFound == (state != Absent);
            default:
                bool matches = op.Kind == KvOperationKind.Txn ? Holds(op, state) : op.ExpectAbsent ? state == Absent : state == op.Expected;
                next = matches ? op.NewValue : state;
                if (!op.Known)
                {
                    return true;
                }

                if (op.OutSucceeded != matches)
                {
                    return false;
                }

                return matches || (op.OutFound == (state != Absent) && (!op.OutFound || op.OutValue == state));
        }
    }

    /// <summary>A Txn's compare in <paramref name="state"/>; an index compare is one on the value read at that index (see <see cref="TxnCompareKind.Index"/>).</summary>
    private static bool Holds(in CompiledOperation op, int state) => op.Compare switch
    {
        TxnCompareKind.Value => state != Absent && state == op.Expected,
        TxnCompareKind.Index => state == op.Expected,
        TxnCompareKind.Exists => state != Absent,
        _ => state == Absent,
    };
}
