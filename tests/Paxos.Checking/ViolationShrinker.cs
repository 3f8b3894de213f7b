namespace Paxos.Checking;

/// <summary>
/// Shrinks a non-linearizable single-key history to a smaller one that is still not linearizable,
/// using only reductions that cannot turn a linearizable history into a non-linearizable one, so
/// the shrunk history is still a proof of the bug:
/// <list type="number">
/// <item>cut at the earliest response time that already makes it fail (operations invoked later
/// are dropped, responses seen later become unknown outcomes);</item>
/// <item>drop completed operations whose observed result shows they changed nothing (reads,
/// failed compare-and-swaps, deletes of absent keys), keeping each drop only if it still fails.</item>
/// </list>
/// </summary>
internal static class ViolationShrinker
{
    private const int MaxSingleDrops = 400;

    /// <summary>Returns the shrunk history (a subset of <paramref name="ops"/>, possibly with some outcomes made unknown).</summary>
    public static IReadOnlyList<HistoryOperation> Shrink(IReadOnlyList<HistoryOperation> ops, long maxSteps)
    {
        IReadOnlyList<HistoryOperation> current = CutAtEarliestFailure(ops, maxSteps);

        List<HistoryOperation> droppable = [.. current.Where(IsObservedNoOp)];
        if (droppable.Count == 0)
        {
            return current;
        }

        List<HistoryOperation> withoutAll = [.. current.Except(droppable)];
        if (Fails(withoutAll, maxSteps))
        {
            return withoutAll;
        }

        // Earliest first: the read that witnesses a bug is usually a late one, so it tends to survive.
        var kept = current.ToList();
        foreach (HistoryOperation op in droppable.OrderBy(o => o.Invoked).Take(MaxSingleDrops))
        {
            kept.Remove(op);
            if (!Fails(kept, maxSteps))
            {
                kept.Add(op);
            }
        }

        return [.. kept.OrderBy(o => o.Invoked).ThenBy(o => o.Id)];
    }

    private static List<HistoryOperation> CutAtEarliestFailure(IReadOnlyList<HistoryOperation> ops, long maxSteps)
    {
        TimeSpan[] cuts = [.. ops.Where(o => o.Completed is not null).Select(o => o.Completed!.Value).Distinct().Order()];
        List<HistoryOperation> best = [.. ops];
        int lo = 0;
        int hi = cuts.Length - 1;
        while (lo <= hi)
        {
            int mid = lo + ((hi - lo) / 2);
            List<HistoryOperation> cut = Cut(ops, cuts[mid]);
            if (Fails(cut, maxSteps))
            {
                best = cut;
                hi = mid - 1;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return best;
    }

    private static List<HistoryOperation> Cut(IReadOnlyList<HistoryOperation> ops, TimeSpan at) =>
    [
        .. ops.Where(o => o.Invoked <= at)
              .Select(o => o.Completed > at ? o with { Completed = null, Output = null } : o)
              .Where(o => o.OutcomeKnown || o.Input.Kind != KvOperationKind.Get),
    ];

    private static bool IsObservedNoOp(HistoryOperation op) => op.Output is { } output && op.Input.Kind switch
    {
        KvOperationKind.Get => true,
        KvOperationKind.Delete => !output.Found,
        KvOperationKind.CompareAndSwap or KvOperationKind.Txn => !output.Succeeded,
        _ => false,
    };

    private static bool Fails(IReadOnlyList<HistoryOperation> ops, long maxSteps) =>
        KeySearch.Run(ops, maxSteps).Verdict == LinearizabilityVerdict.NotLinearizable;
}
