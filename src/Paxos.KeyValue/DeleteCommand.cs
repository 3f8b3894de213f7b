namespace Paxos.KeyValue;

/// <summary>Removes <see cref="SingleKeyCommand.Key"/> if present.</summary>
public sealed class DeleteCommand(string key, string clientId = "", ulong requestId = 0)
    : SingleKeyCommand(key, clientId, requestId);
