namespace Paxos.Checking;

/// <summary>The verdict for a whole history: the worst verdict over its keys.</summary>
public sealed class LinearizabilityResult
{
    internal LinearizabilityResult(IReadOnlyList<KeyCheckResult> keys)
    {
        Keys = keys;
        Verdict = keys.Any(k => k.Verdict == LinearizabilityVerdict.NotLinearizable) ? LinearizabilityVerdict.NotLinearizable
            : keys.Any(k => k.Verdict == LinearizabilityVerdict.Inconclusive) ? LinearizabilityVerdict.Inconclusive
            : LinearizabilityVerdict.Linearizable;
    }

    /// <summary>NotLinearizable if any key is; else Inconclusive if any key is; else Linearizable.</summary>
    public LinearizabilityVerdict Verdict { get; }

    /// <summary>True if the whole history is linearizable.</summary>
    public bool IsLinearizable => Verdict == LinearizabilityVerdict.Linearizable;

    /// <summary>One result per key, ordered by key (ordinal).</summary>
    public IReadOnlyList<KeyCheckResult> Keys { get; }

    /// <summary>Total search steps over all keys.</summary>
    public long Steps => Keys.Sum(k => k.Steps);

    /// <summary>The explanations of every key that is not linearizable or inconclusive; empty if linearizable.</summary>
    public string Explanation => string.Join(
        Environment.NewLine,
        Keys.Where(k => k.Verdict != LinearizabilityVerdict.Linearizable).Select(k => k.Explanation));
}
