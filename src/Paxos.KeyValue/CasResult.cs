namespace Paxos.KeyValue;

/// <summary>
/// A compare-and-swap was evaluated. On success the new value was written at <see cref="Index"/>;
/// on failure nothing changed and the result reports the key as a read would.
/// </summary>
public sealed class CasResult : KeyValueResult
{
    /// <summary>Creates a compare-and-swap result; <paramref name="currentValue"/> is kept, not copied.</summary>
    public CasResult(bool succeeded, bool found, ReadOnlyMemory<byte> currentValue, ulong index)
    {
        Succeeded = succeeded;
        Found = found;
        CurrentValue = currentValue;
        Index = index;
    }

    /// <summary>Whether the expectation held and the new value was written.</summary>
    public bool Succeeded { get; }

    /// <summary>Whether the key existed when the compare-and-swap was evaluated (before any write).</summary>
    public bool Found { get; }

    /// <summary>
    /// On failure, the key's value (empty if absent). On success empty: the value is the
    /// command's new value, which the client already has.
    /// </summary>
    public ReadOnlyMemory<byte> CurrentValue { get; }

    /// <summary>
    /// On success, the index of this write. On failure, the index of the key's last write
    /// (0 if absent), matching <see cref="CurrentValue"/> like a read.
    /// </summary>
    public ulong Index { get; }
}
