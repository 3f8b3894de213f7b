namespace Paxos.KeyValue;

/// <summary>
/// Sets <see cref="SingleKeyCommand.Key"/> to <see cref="NewValue"/> only if the key is currently
/// absent (<see cref="ExpectAbsent"/>) or holds exactly <see cref="ExpectedValue"/>.
/// </summary>
public sealed class CompareAndSwapCommand : SingleKeyCommand
{
    /// <summary>Creates a compare-and-swap; the arrays are kept, not copied.</summary>
    public CompareAndSwapCommand(
        string key,
        bool expectAbsent,
        byte[] expectedValue,
        byte[] newValue,
        string clientId = "",
        ulong requestId = 0)
        : base(key, clientId, requestId)
    {
        ArgumentNullException.ThrowIfNull(expectedValue);
        ArgumentNullException.ThrowIfNull(newValue);
        ExpectAbsent = expectAbsent;
        ExpectedValue = expectedValue;
        NewValueArray = newValue;
    }

    /// <summary>True: succeed only if the key does not exist (<see cref="ExpectedValue"/> is ignored).</summary>
    public bool ExpectAbsent { get; }

    /// <summary>The value the key must hold when <see cref="ExpectAbsent"/> is false.</summary>
    public ReadOnlyMemory<byte> ExpectedValue { get; }

    /// <summary>The value written on success; at most <see cref="KeyValueLimits.MaxValueBytes"/> bytes.</summary>
    public ReadOnlyMemory<byte> NewValue => NewValueArray;

    /// <summary>The array behind <see cref="NewValue"/>, stored as is by the state machine.</summary>
    internal byte[] NewValueArray { get; }
}
