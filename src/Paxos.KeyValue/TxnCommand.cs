namespace Paxos.KeyValue;

/// <summary>
/// A transaction: if every compare holds, the <see cref="Success"/> operations run, else the
/// <see cref="Failure"/> ones, in order, all at the command's one index. Limits (counts, one put or
/// delete per key and branch, encoded size) are in <see cref="KeyValueLimits.ValidateCommand"/>.
/// </summary>
public sealed class TxnCommand : KeyValueCommand
{
    /// <summary>Creates a transaction; the lists are kept, not copied.</summary>
    public TxnCommand(
        IReadOnlyList<TxnCompare> compares,
        IReadOnlyList<TxnOperation> success,
        IReadOnlyList<TxnOperation> failure,
        string clientId = "",
        ulong requestId = 0)
        : base(clientId, requestId)
    {
        ArgumentNullException.ThrowIfNull(compares);
        ArgumentNullException.ThrowIfNull(success);
        ArgumentNullException.ThrowIfNull(failure);
        Compares = compares;
        Success = success;
        Failure = failure;
    }

    /// <summary>The conditions, all of which must hold for <see cref="Success"/> to run.</summary>
    public IReadOnlyList<TxnCompare> Compares { get; }

    /// <summary>The operations run when every compare holds.</summary>
    public IReadOnlyList<TxnOperation> Success { get; }

    /// <summary>The operations run otherwise.</summary>
    public IReadOnlyList<TxnOperation> Failure { get; }
}
