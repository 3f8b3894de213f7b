using Paxos.Simulation.Checking;

namespace Paxos.Simulation.SelfCheck;

/// <summary>The sequential key-value semantics the register server runs (the specification the checker checks against).</summary>
internal sealed class RegisterStore
{
    private readonly SortedDictionary<string, string> _values = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="input"/> and returns its result.</summary>
    public KvOutput Apply(KvInput input)
    {
        bool found = _values.TryGetValue(input.Key, out string? current);
        switch (input.Kind)
        {
            case KvOperationKind.Put:
                _values[input.Key] = input.Value!;
                return KvOutput.PutOk;
            case KvOperationKind.Get:
                return KvOutput.GetResult(found, current);
            case KvOperationKind.Delete:
                _values.Remove(input.Key);
                return KvOutput.DeleteResult(found);
            default:
                bool matches = input.ExpectAbsent ? !found : found && current == input.Expected;
                if (matches)
                {
                    _values[input.Key] = input.Value!;
                }

                return KvOutput.CasResult(matches, found, current);
        }
    }

    /// <summary>A copy of the current contents.</summary>
    public RegisterStore Copy()
    {
        var copy = new RegisterStore();
        foreach ((string key, string value) in _values)
        {
            copy._values.Add(key, value);
        }

        return copy;
    }
}
