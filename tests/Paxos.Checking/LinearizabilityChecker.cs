using System.Globalization;
using System.Text;

namespace Paxos.Checking;

/// <summary>
/// Decides whether a key-value client history is linearizable. The history is split by key
/// (linearizability is compositional): an operation on one key goes to that key's history; a Txn to
/// its key's and, unless it failed, as its write (<see cref="KvOperationKind.TxnWrite"/>) to its
/// second key's; a lease's revoke or expiry to the history of every key put with that lease. For
/// these multi-key operations the split checks each key's part (a necessary condition: that the
/// parts happened at one index is the watch check's, which compares every index's changes with the
/// chosen log). Lease grants and keep-alives touch no key (<see cref="LeaseExpiryCheck"/> checks
/// them). Each key is
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
        var leaseEnds = new List<HistoryOperation>();
        var leasesOfKey = new Dictionary<string, HashSet<ulong>>(StringComparer.Ordinal);
        foreach (HistoryOperation op in history)
        {
            Validate(op, ids);
            switch (op.Input.Kind)
            {
                case KvOperationKind.Get when !op.OutcomeKnown: // a read whose outcome is unknown constrains nothing
                case KvOperationKind.Put when op.Output is { Succeeded: false }: // refused: its lease did not exist
                case KvOperationKind.LeaseGrant or KvOperationKind.LeaseKeepAlive: // they touch no key
                    break;
                case KvOperationKind.LeaseRevoke or KvOperationKind.LeaseExpire:
                    leaseEnds.Add(op);
                    break;
                case KvOperationKind.Txn:
                    Add(op);
                    if (op.Output is not { Succeeded: false })
                    {
                        Add(op with { Input = op.Input.OnSecondKey() });
                    }

                    break;
                default:
                    Add(op);
                    if (op.Input is { Kind: KvOperationKind.Put, Lease: not 0 })
                    {
                        if (!leasesOfKey.TryGetValue(op.Input.Key, out HashSet<ulong>? leases))
                        {
                            leases = [];
                            leasesOfKey.Add(op.Input.Key, leases);
                        }

                        leases.Add(op.Input.Lease);
                    }

                    break;
            }
        }

        // A lease's end belongs to the history of every key that was put with that lease.
        foreach (HistoryOperation end in leaseEnds)
        {
            foreach ((string key, HashSet<ulong> leases) in leasesOfKey)
            {
                if (leases.Contains(end.Input.Lease))
                {
                    byKey[key].Add(end with { Input = end.Input with { Key = key } });
                }
            }
        }

        var results = new List<KeyCheckResult>(byKey.Count);
        foreach (string key in byKey.Keys.Order(StringComparer.Ordinal))
        {
            results.Add(CheckKey(key, byKey[key]));
        }

        return new LinearizabilityResult(results);

        void Add(HistoryOperation op)
        {
            if (!byKey.TryGetValue(op.Input.Key, out List<HistoryOperation>? ops))
            {
                ops = [];
                byKey.Add(op.Input.Key, ops);
            }

            ops.Add(op);
        }
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
