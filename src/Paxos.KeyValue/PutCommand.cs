namespace Paxos.KeyValue;

/// <summary>Sets <see cref="SingleKeyCommand.Key"/> to <see cref="Value"/>, creating it if absent.</summary>
public sealed class PutCommand : SingleKeyCommand
{
    /// <summary>Creates a put; <paramref name="value"/> is kept, not copied.</summary>
    public PutCommand(string key, byte[] value, string clientId = "", ulong requestId = 0)
        : base(key, clientId, requestId)
    {
        ArgumentNullException.ThrowIfNull(value);
        ValueArray = value;
    }

    /// <summary>The new value; at most <see cref="KeyValueLimits.MaxValueBytes"/> bytes.</summary>
    public ReadOnlyMemory<byte> Value => ValueArray;

    /// <summary>The array behind <see cref="Value"/>, stored as is by the state machine.</summary>
    internal byte[] ValueArray { get; }
}
