namespace Paxos.Checking;

/// <summary>
/// What a client observed. Which fields matter depends on the operation:
/// Put: nothing; Get: <see cref="Found"/> and <see cref="Value"/>; Delete: <see cref="Found"/>
/// (the key existed); CompareAndSwap: <see cref="Succeeded"/>, and only when it failed,
/// <see cref="Found"/> and <see cref="Value"/> (the current value that did not match).
/// </summary>
/// <param name="Succeeded">Compare-and-swap only: the swap happened.</param>
/// <param name="Found">Get: the key was present. Delete: the key existed. Failed compare-and-swap: the key was present.</param>
/// <param name="Value">Get: the value read. Failed compare-and-swap: the current value.</param>
public sealed record KvOutput(bool Succeeded, bool Found, string? Value)
{
    /// <summary>Get of a present key: its index (of its last put), which a Txn may compare on.</summary>
    public ulong Index { get; init; }

    /// <summary>Lease grant: the lease's id.</summary>
    public ulong Lease { get; init; }

    /// <summary>The acknowledgement of a Put.</summary>
    public static KvOutput PutOk { get; } = new(true, false, null);

    /// <summary>The result of a Get.</summary>
    public static KvOutput GetResult(bool found, string? value) => new(false, found, found ? value : null);

    /// <summary>The result of a Delete.</summary>
    public static KvOutput DeleteResult(bool existed) => new(false, existed, null);

    /// <summary>The result of a compare-and-swap; <paramref name="found"/> and <paramref name="current"/> only matter when it failed.</summary>
    public static KvOutput CasResult(bool succeeded, bool found, string? current) =>
        succeeded ? new(true, false, null) : new(false, found, found ? current : null);

    /// <summary>The refusal of a Put with a lease that does not exist: nothing was written.</summary>
    public static KvOutput PutLeaseNotFound { get; } = new(false, false, null);

    /// <summary>The result of a Txn: whether its compare held, and when it did not, what its read of the key found.</summary>
    public static KvOutput TxnResult(bool succeeded, bool found, string? current) => CasResult(succeeded, found, current);

    /// <summary>The result of a lease grant.</summary>
    public static KvOutput LeaseGranted(ulong lease) => new(true, true, null) { Lease = lease };

    /// <summary>The result of a keep-alive or revoke: whether the lease existed (and was renewed or ended).</summary>
    public static KvOutput LeaseFound(bool found) => new(found, found, null);

    /// <summary>Renders this output as it reads for an operation of kind <paramref name="kind"/>.</summary>
    public string Describe(KvOperationKind kind) => kind switch
    {
        KvOperationKind.Put => Succeeded ? "ok" : "refused: lease not found",
        KvOperationKind.Get => Found ? $"found {KvText.Abbreviate(Value)}" : "not found",
        KvOperationKind.Delete => Found ? "existed" : "did not exist",
        KvOperationKind.LeaseGrant => $"lease {Lease}",
        KvOperationKind.LeaseKeepAlive or KvOperationKind.LeaseRevoke or KvOperationKind.LeaseExpire => Found ? "found" : "not found",
        KvOperationKind.TxnWrite => "written",
        KvOperationKind.Txn => Succeeded ? "succeeded" : Found ? $"failed, current {KvText.Abbreviate(Value)}" : "failed, absent",
        _ => Succeeded ? "swapped" : Found ? $"failed, current {KvText.Abbreviate(Value)}" : "failed, absent",
    };
}
