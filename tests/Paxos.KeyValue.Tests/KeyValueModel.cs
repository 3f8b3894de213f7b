namespace Paxos.KeyValue.Tests;

/// <summary>
/// The specification of <see cref="KeyValueStateMachine"/> as plain dictionaries, for the property
/// test: no limits beyond the empty key, no eviction.
/// </summary>
internal sealed class KeyValueModel
{
    private Dictionary<string, (byte[] Value, ulong Index)> _data = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ulong RequestId, KeyValueResult Result)> _clients = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, (byte[] Value, ulong Index)> Data => _data;

    public KeyValueResult Apply(ulong index, KeyValueCommand command)
    {
        if (command is SingleKeyCommand { Key.Length: 0 } || (command is TxnCommand txn && !IsValid(txn)))
        {
            return new RejectedResult("invalid");
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
            case TxnCommand txn:
                return ExecuteTxn(index, txn);
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

    /// <summary>No empty key, and no key put or deleted twice in a branch (the model's only transaction limits).</summary>
    private static bool IsValid(TxnCommand txn) =>
        txn.Compares.All(c => c.Key.Length > 0)
        && txn.Success.Concat(txn.Failure).All(o => o.Key.Length > 0)
        && new[] { txn.Success, txn.Failure }.All(branch =>
            branch.Where(o => o is not TxnGet).Select(o => o.Key).Distinct().Count() == branch.Count(o => o is not TxnGet));

    private TxnResult ExecuteTxn(ulong index, TxnCommand txn)
    {
        bool succeeded = txn.Compares.All(Holds);
        var after = new Dictionary<string, (byte[] Value, ulong Index)>(_data, StringComparer.Ordinal);
        var results = new List<KeyValueResult>();
        foreach (TxnOperation operation in succeeded ? txn.Success : txn.Failure)
        {
            switch (operation)
            {
                case TxnPut put:
                    after[put.Key] = (put.Value.ToArray(), index);
                    results.Add(new PutResult(index));
                    break;
                case TxnDelete delete:
                    results.Add(new DeleteResult(after.Remove(delete.Key), index));
                    break;
                default:
                    results.Add(after.TryGetValue(operation.Key, out var seen)
                        ? new GetResult(true, seen.Value, seen.Index)
                        : new GetResult(false, ReadOnlyMemory<byte>.Empty, 0));
                    break;
            }
        }
        _data = after;
        return new TxnResult(succeeded, results, index);
    }

    private bool Holds(TxnCompare compare)
    {
        bool found = _data.TryGetValue(compare.Key, out var current);
        int comparison;
        switch (compare.Target)
        {
            case CompareTarget.Value when !found:
                return false;
            case CompareTarget.Value:
                comparison = current.Value.AsSpan().SequenceCompareTo(compare.Value.Span);
                break;
            case CompareTarget.Index:
                comparison = (found ? current.Index : 0).CompareTo(compare.Index);
                break;
            default:
                comparison = found == compare.Exists ? 0 : 1;
                break;
        }
        return compare.Operator switch
        {
            CompareOperator.Equal => comparison == 0,
            CompareOperator.NotEqual => comparison != 0,
            CompareOperator.Less => comparison < 0,
            _ => comparison > 0,
        };
    }
}
