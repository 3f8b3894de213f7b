namespace Paxos.KeyValue;

/// <summary>
/// The command was not applied because it is invalid: malformed bytes or outside
/// <see cref="KeyValueLimits"/>. Every replica rejects it the same way and carries on.
/// </summary>
public sealed class RejectedResult : KeyValueResult
{
    /// <summary>Creates a rejection with a human-readable <paramref name="reason"/>.</summary>
    public RejectedResult(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        Reason = reason;
    }

    /// <summary>Why the command was rejected, suitable for an INVALID_ARGUMENT status message.</summary>
    public string Reason { get; }
}
