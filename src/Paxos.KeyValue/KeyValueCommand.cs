namespace Paxos.KeyValue;

/// <summary>
/// A write replicated through the log and applied by <see cref="KeyValueStateMachine"/>:
/// <see cref="PutCommand"/>, <see cref="DeleteCommand"/>, <see cref="CompareAndSwapCommand"/>
/// (each a <see cref="SingleKeyCommand"/>), <see cref="TxnCommand"/>, or a lease command
/// (<see cref="LeaseGrantCommand"/>, <see cref="LeaseRevokeCommand"/>, <see cref="LeaseExpireCommand"/>,
/// <see cref="LeaseEpochCommand"/>). Encoded with
/// <see cref="KeyValueCommandCodec"/>.
/// </summary>
public abstract class KeyValueCommand
{
    private protected KeyValueCommand(string clientId, ulong requestId)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        ClientId = clientId;
        RequestId = requestId;
    }

    /// <summary>
    /// The client that sent the write, for exactly-once retries together with
    /// <see cref="RequestId"/>. Empty turns deduplication off for this command.
    /// </summary>
    public string ClientId { get; }

    /// <summary>The client's sequence number for this write; a client's requests are sequential.</summary>
    public ulong RequestId { get; }
}
