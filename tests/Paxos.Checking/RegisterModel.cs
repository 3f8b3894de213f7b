namespace Paxos.Checking;

/// <summary>
/// One operation of a single-key history with its strings replaced by small integers, so the
/// search works on integers only. State and values: <see cref="RegisterModel.Absent"/> or an
/// interned value id.
/// </summary>
internal readonly record struct CompiledOperation(
    KvOperationKind Kind,
    int NewValue,
    bool ExpectAbsent,
    int Expected,
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
        KvOperationKind.CompareAndSwap => !OutSucceeded,
        _ => false,
    };
}

/// <summary>The sequential specification of one key of the key-value register.</summary>
internal static class RegisterModel
{
    /// <summary>The state of a key that holds no value.</summary>
    public const int Absent = -1;

    /// <summary>
    /// Applies <paramref name="op"/> in <paramref name="state"/>. Returns false if the observed
    /// output contradicts the specification; an unknown outcome never contradicts it.
    /// </summary>
    public static bool Step(in CompiledOperation op, int state, out int next)
    {
        switch (op.Kind)
        {
            case KvOperationKind.Put:
                next = op.NewValue;
                return true;
            case KvOperationKind.Get:
                next = state;
                return !op.Known || (op.OutFound == (state != Absent) && (!op.OutFound || op.OutValue == state));
            case KvOperationKind.Delete:
                next = Absent;
                return !op.Known || op.OutFound == (state != Absent);
            default:
                bool matches = op.ExpectAbsent ? state == Absent : state == op.Expected;
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
}
