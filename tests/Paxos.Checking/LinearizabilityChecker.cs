using System.Globalization;
using System.Text;

namespace Paxos.Checking;

/// <summary>
/// Decides whether a key-value client history is linearizable. The history is split by key
/// (linearizability is compositional, and every operation touches one key), and each key is
/// searched with Wing–Gong plus Lowe's memoization (see <see cref="KeySearch"/>). The search of
/// each key is bounded by a number of steps; a key that needs more is reported
/// <see cref="LinearizabilityVerdict.Inconclusive"/> instead of hanging. For a violation, the key's
/// history is shrunk (see <see cref="ViolationShrinker"/>) and the explanation names the operation
/// whose response could not be explained and the window of operations that could not be ordered.
/// </summary>
/// <param name="maxStepsPerKey">The effort bound for one key.</param>
public sealed class LinearizabilityChecker(long maxStepsPerKey = LinearizabilityChecker.DefaultMaxStepsPerKey)
{
    /// <summary>The default effort bound per key: a few seconds of search at worst.</summary>
    public const long DefaultMaxStepsPerKey = 2_000_000;

    private const int ContextOperations = 3;

    /// <summary>Checks <paramref name="history"/>. Operation ids must be unique.</summary>
    public LinearizabilityResult Check(IEnumerable<HistoryOperation> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var byKey = new Dictionary<string, List<HistoryOperation>>(StringComparer.Ordinal);
        var ids = new HashSet<int>();
        foreach (HistoryOperation op in history)
        {
            Validate(op, ids);

            // A read whose outcome is unknown constrains nothing.
            if (!op.OutcomeKnown && op.Input.Kind == KvOperationKind.Get)
            {
                continue;
            }

            if (!byKey.TryGetValue(op.Input.Key, out List<HistoryOperation>? ops))
            {
                ops = [];
                byKey.Add(op.Input.Key, ops);
            }

            ops.Add(op);
        }

        var results = new List<KeyCheckResult>(byKey.Count);
        foreach (string key in byKey.Keys.Order(StringComparer.Ordinal))
        {
            results.Add(CheckKey(key, byKey[key]));
        }

        return new LinearizabilityResult(results);
    }

    private static void Validate(HistoryOperation op, HashSet<int> ids)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (!ids.Add(op.Id))
        {
            throw new ArgumentException($"operation id {op.Id} occurs twice", nameof(op));
        }

        if ((op.Completed is null) != (op.Output is null))
        {
            throw new ArgumentException($"operation #{op.Id} must have both a completion time and an output, or neither", nameof(op));
        }

        if (op.Completed < op.Invoked)
        {
            throw new ArgumentException($"operation #{op.Id} completes before it is invoked", nameof(op));
        }
    }

    private KeyCheckResult CheckKey(string key, List<HistoryOperation> ops)
    {
        KeySearchOutcome outcome = KeySearch.Run(ops, maxStepsPerKey);
        switch (outcome.Verdict)
        {
            case LinearizabilityVerdict.Linearizable:
                return new KeyCheckResult(key, outcome.Verdict, ops.Count, outcome.Steps, [], $"key \"{key}\": linearizable ({ops.Count} operations)");
            case LinearizabilityVerdict.Inconclusive:
                return new KeyCheckResult(
                    key,
                    outcome.Verdict,
                    ops.Count,
                    outcome.Steps,
                    [],
                    $"key \"{key}\": inconclusive: no decision within {maxStepsPerKey} search steps ({ops.Count} operations; longest linearization found: {outcome.LongestOrder.Count})");
        }

        IReadOnlyList<HistoryOperation> shrunk = ViolationShrinker.Shrink(ops, maxStepsPerKey);
        KeySearchOutcome witness = KeySearch.Run(shrunk, maxStepsPerKey);
        var linearized = new HashSet<int>(witness.LongestOrder);
        List<HistoryOperation> context = [.. witness.LongestOrder.TakeLast(ContextOperations).Select(i => shrunk[i])];
        List<HistoryOperation> unordered = [.. Enumerable.Range(0, shrunk.Count).Where(i => !linearized.Contains(i)).Select(i => shrunk[i])];
        List<HistoryOperation> window = [.. context.Concat(unordered).OrderBy(o => o.Invoked).ThenBy(o => o.Id)];

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"key \"{key}\": NOT linearizable ({ops.Count} operations; shrunk to {shrunk.Count} that still fail)").AppendLine();
        if (witness.StuckOperation >= 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"  no order explains the response of {shrunk[witness.StuckOperation]}").AppendLine();
        }

        string state = witness.StateAfterLongestOrder is { } v ? $"value {v}" : "absent";
        text.Append(CultureInfo.InvariantCulture, $"  longest linearization found: {witness.LongestOrder.Count} operations, leaving the key {state}; it ends with:").AppendLine();
        foreach (HistoryOperation op in context)
        {
            text.Append("    ").Append(op).AppendLine();
        }

        text.Append("  operations that could not be ordered after it:").AppendLine();
        foreach (HistoryOperation op in unordered)
        {
            text.Append("    ").Append(op).AppendLine();
        }

        return new KeyCheckResult(key, LinearizabilityVerdict.NotLinearizable, ops.Count, outcome.Steps, window, text.ToString().TrimEnd());
    }
}
