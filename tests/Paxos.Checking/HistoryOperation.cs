namespace Paxos.Checking;

/// <summary>
/// One client operation in a history. Two operations are ordered in real time only if one
/// completed strictly before the other was invoked; equal times count as concurrent.
/// An operation without <see cref="Completed"/> (and without <see cref="Output"/>) has an unknown
/// outcome, e.g. it timed out: it may have taken effect at any point after its invocation, or never.
/// </summary>
/// <param name="Id">Identifies the operation in explanations; unique within a history.</param>
/// <param name="Client">The client (process) that issued it; used only for explanations.</param>
/// <param name="Input">What was asked.</param>
/// <param name="Invoked">When the client invoked it.</param>
/// <param name="Completed">When the client saw the response, or <see langword="null"/> if the outcome is unknown.</param>
/// <param name="Output">The response, or <see langword="null"/> if the outcome is unknown.</param>
public sealed record HistoryOperation(int Id, int Client, KvInput Input, TimeSpan Invoked, TimeSpan? Completed, KvOutput? Output)
{
    /// <summary>True if the client saw a response.</summary>
    public bool OutcomeKnown => Completed is not null;

    /// <inheritdoc/>
    public override string ToString()
    {
        string end = Completed is { } c ? $"{c.TotalSeconds:0.000000}s" : "?";
        string result = Output is { } o ? o.Describe(Input.Kind) : "outcome unknown";
        return $"#{Id} c{Client} [{Invoked.TotalSeconds:0.000000}s..{end}] {Input} -> {result}";
    }
}
