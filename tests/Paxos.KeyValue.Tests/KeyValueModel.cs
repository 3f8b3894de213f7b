namespace Paxos.KeyValue.Tests;

/// <summary>
/// The specification of <see cref="KeyValueStateMachine"/> as plain dictionaries, for the property
/// test: no limits beyond the empty key, no eviction.
/// </summary>
internal sealed class KeyValueModel
{
    private readonly Dictionary<string, (byte[] Value, ulong Index)> _data = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ulong RequestId, KeyValueResult Result)> _clients = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, (byte[] Value, ulong Index)> Data => _data;

    public KeyValueResult Apply(ulong index, KeyValueCommand command)
    {
        if (command.Key.Length == 0)
        {
            return new RejectedResult("key must not be empty");
        }
        bool deduplicated = command.ClientId.Length > 0;
        if (deduplicated && _clients.TryGetValue(command.ClientId, out var latest))
        {
            if (command.RequestId < latest.RequestId)
            {
                return new StaleRequestResult(latest.RequestId);
            }
            if (command.RequestId == latest.RequestId)
            {
                return latest.Result;
            }
        }
        KeyValueResult result = Execute(index, command);
        if (deduplicated)
        {
            _clients[command.ClientId] = (command.RequestId, result);
        }
        return result;
    }

    private KeyValueResult Execute(ulong index, KeyValueCommand command)
    {
        switch (command)
        {
            case PutCommand put:
                _data[put.Key] = (put.Value.ToArray(), index);
                return new PutResult(index);
            case DeleteCommand delete:
                return new DeleteResult(_data.Remove(delete.Key), index);
            default:
                var cas = (CompareAndSwapCommand)command;
                bool found = _data.TryGetValue(cas.Key, out var current);
                bool holds = cas.ExpectAbsent ? !found : found && current.Value.AsSpan().SequenceEqual(cas.ExpectedValue.Span);
                if (!holds)
                {
                    return new CasResult(false, found, found ? current.Value : [], found ? current.Index : 0);
                }
                _data[cas.Key] = (cas.NewValue.ToArray(), index);
                return new CasResult(true, found, ReadOnlyMemory<byte>.Empty, index);
        }
    }
}
