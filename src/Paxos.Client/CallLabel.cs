namespace Paxos.Client;

/// <summary>
/// What a call is, for its error messages: an operation, and for a write its client and request id.
/// Formatted only when a message is written, so that a call that succeeds builds no string.
/// </summary>
internal readonly record struct CallLabel(string Operation, string? ClientId, ulong RequestId)
{
    public static implicit operator CallLabel(string operation) => new(operation, null, 0);

    public override string ToString() =>
        ClientId is null ? Operation : $"the {Operation} (client id '{ClientId}', request id {RequestId})";
}
