namespace Paxos.Checking;

/// <summary>
/// Collects a client history while a simulation runs: <see cref="Invoke"/> when a client sends a
/// request, <see cref="Complete"/> when it sees the response. Operations never completed (timed
/// out, client crashed) stay in the history with an unknown outcome.
/// </summary>
public sealed class HistoryRecorder
{
    private readonly List<HistoryOperation> _operations = [];

    /// <summary>Number of operations invoked so far.</summary>
    public int Count => _operations.Count;

    /// <summary>Records an invocation and returns the operation's id.</summary>
    public int Invoke(int client, KvInput input, TimeSpan at)
    {
        ArgumentNullException.ThrowIfNull(input);
        int id = _operations.Count;
        _operations.Add(new HistoryOperation(id, client, input, at, null, null));
        return id;
    }

    /// <summary>Records the response to operation <paramref name="id"/>; at most once per operation.</summary>
    public void Complete(int id, KvOutput output, TimeSpan at)
    {
        ArgumentNullException.ThrowIfNull(output);
        HistoryOperation op = _operations[id];
        if (op.OutcomeKnown)
        {
            throw new InvalidOperationException($"operation #{id} already completed");
        }

        if (at < op.Invoked)
        {
            throw new ArgumentOutOfRangeException(nameof(at), "an operation cannot complete before it was invoked");
        }

        _operations[id] = op with { Completed = at, Output = output };
    }

    /// <summary>The history so far, in invocation order.</summary>
    public IReadOnlyList<HistoryOperation> Operations => _operations;
}
