namespace Paxos.KeyValue;

/// <summary>
/// Sets <see cref="SingleKeyCommand.Key"/> to <see cref="Value"/>, creating it if absent, and
/// attaches it to lease <see cref="LeaseId"/> (0: to none, detaching it from any lease it had).
/// </summary>
public sealed class PutCommand : SingleKeyCommand
{
    /// <summary>Creates a put; <paramref name="value"/> is kept, not copied.</summary>
    public PutCommand(string key, byte[] value, string clientId = "", ulong requestId = 0, ulong leaseId = 0)
        : base(key, clientId, requestId)
    {
        ArgumentNullException.ThrowIfNull(value);
        ValueArray = value;
        LeaseId = leaseId;
    }

    /// <summary>The new value; at most <see cref="KeyValueLimits.MaxValueBytes"/> bytes.</summary>
    public ReadOnlyMemory<byte> Value => ValueArray;

    /// <summary>The lease the key is attached to; 0 for none. A lease that does not exist fails the put with <see cref="LeaseNotFoundResult"/>.</summary>
    public ulong LeaseId { get; }

    /// <summary>The array behind <see cref="Value"/>, stored as is by the state machine.</summary>
    internal byte[] ValueArray { get; }
}
