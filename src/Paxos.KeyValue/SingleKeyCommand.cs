namespace Paxos.KeyValue;

/// <summary>A <see cref="KeyValueCommand"/> that writes one key: a put, a delete or a compare-and-swap.</summary>
public abstract class SingleKeyCommand : KeyValueCommand
{
    private protected SingleKeyCommand(string key, string clientId, ulong requestId)
        : base(clientId, requestId)
    {
        ArgumentNullException.ThrowIfNull(key);
        Key = key;
    }

    /// <summary>The key written. Checked against <see cref="KeyValueLimits"/> when applied.</summary>
    public string Key { get; }
}
