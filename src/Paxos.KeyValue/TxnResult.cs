namespace Paxos.KeyValue;

/// <summary>A transaction was applied at <see cref="Index"/>.</summary>
public sealed class TxnResult : KeyValueResult
{
    /// <summary>Creates a transaction result; the list is kept, not copied.</summary>
    public TxnResult(bool succeeded, IReadOnlyList<KeyValueResult> results, ulong index)
    {
        ArgumentNullException.ThrowIfNull(results);
        Succeeded = succeeded;
        Results = results;
        Index = index;
    }

    /// <summary>Whether every compare held, so the success branch ran.</summary>
    public bool Succeeded { get; }

    /// <summary>One <see cref="PutResult"/>, <see cref="DeleteResult"/> or <see cref="GetResult"/> per operation of the branch that ran, in order.</summary>
    public IReadOnlyList<KeyValueResult> Results { get; }

    /// <summary>The index at which the transaction was applied.</summary>
    public ulong Index { get; }
}
