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
    /// <summary>The acknowledgement of a Put.</summary>
    public static KvOutput PutOk { get; } = new(true, false, null);

    /// <summary>The result of a Get.</summary>
    public static KvOutput GetResult(bool found, string? value) => new(false, found, found ? value : null);

    /// <summary>The result of a Delete.</summary>
    public static KvOutput DeleteResult(bool existed) => new(false, existed, null);

    /// <summary>The result of a compare-and-swap; <paramref name="found"/> and <paramref name="current"/> only matter when it failed.</summary>
    public static KvOutput CasResult(bool succeeded, bool found, string? current) =>
        succeeded ? new(true, false, null) : new(false, found, found ? current : null);

    /// <summary>Renders this output as it reads for an operation of kind <paramref name="kind"/>.</summary>
    public string Describe(KvOperationKind kind) => kind switch
    {
        KvOperationKind.Put => "ok",
        KvOperationKind.Get => Found ? $"found {KvText.Abbreviate(Value)}" : "not found",
        KvOperationKind.Delete => Found ? "existed" : "did not exist",
        _ => Succeeded ? "swapped" : Found ? $"failed, current {KvText.Abbreviate(Value)}" : "failed, absent",
    };
}
