namespace Paxos.Checking;

/// <summary>The outcome of searching one key's history.</summary>
/// <param name="Verdict">Linearizable, not, or gave up.</param>
/// <param name="Steps">Search steps spent.</param>
/// <param name="LongestOrder">Indexes (into the searched list) of the longest linearization found, in order.</param>
/// <param name="StuckOperation">Index of the operation whose response could not be explained after <paramref name="LongestOrder"/>, or -1.</param>
/// <param name="StateAfterLongestOrder">The key's value after <paramref name="LongestOrder"/>, or null if absent.</param>
internal sealed record KeySearchOutcome(
    LinearizabilityVerdict Verdict,
    long Steps,
    IReadOnlyList<int> LongestOrder,
    int StuckOperation,
    string? StateAfterLongestOrder);

/// <summary>
/// Wing–Gong linearizability search over one key's history, with Lowe's memoization of
/// (set of linearized operations, model state). Operations are linearized only from the frontier
/// (invoked before the earliest pending response), so every operation is linearized "just in time":
/// never earlier than needed to explain a later response. Unknown-outcome operations have their
/// response at infinity: the search succeeds once every known response is explained, so they take
/// effect or not. Two reductions keep the search small: a configuration already explored is never
/// explored again, and an observed no-op (see <see cref="CompiledOperation.ObservedNoOp"/>) that is
/// legal now is linearized at once without branching: it leaves the state unchanged wherever it is
/// legal, so moving it to the front of any solution from here is again a solution.
/// </summary>
internal static class KeySearch
{
    private sealed class Entry
    {
        public int Op;
        public bool IsCall;
        public bool AtInfinity;
        public Entry? Match;
        public Entry? Prev;
        public Entry? Next;
    }

    private sealed class Configuration(ulong[] bits, int state, ulong hash)
    {
        public ulong[] Bits = bits;
        public int State = state;
        public ulong Hash = hash;
    }

    private sealed class ConfigurationComparer : IEqualityComparer<Configuration>
    {
        public static readonly ConfigurationComparer Instance = new();

        public bool Equals(Configuration? x, Configuration? y) =>
            x!.Hash == y!.Hash && x.State == y.State && x.Bits.AsSpan().SequenceEqual(y.Bits);

        public int GetHashCode(Configuration obj) => (int)(obj.Hash ^ (obj.Hash >> 32)) ^ obj.State;
    }

    private readonly record struct Frame(Entry Entry, int PreviousState, bool Forced);

    /// <summary>Searches for a linearization of <paramref name="ops"/> (all on one key) within <paramref name="maxSteps"/>.</summary>
    public static KeySearchOutcome Run(IReadOnlyList<HistoryOperation> ops, long maxSteps)
    {
        int n = ops.Count;
        var values = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new List<string>();
        var leases = new Dictionary<ulong, int> { [0] = 0 };
        var leaseOfValue = new List<int>();
        var compiled = new CompiledOperation[n];
        for (int i = 0; i < n; i++)
        {
            HistoryOperation op = ops[i];
            KvOutput? output = op.Output;
            int newValue = Intern(op.Input.Value);
            int lease = InternLease(op.Input.Lease);
            if (op.Input.Kind == KvOperationKind.Put)
            {
                leaseOfValue[newValue] = lease;
            }

            compiled[i] = new CompiledOperation(
                op.Input.Kind,
                newValue,
                op.Input.ExpectAbsent,
                Intern(op.Input.Expected),
                op.Input.Compare,
                lease,
                output is not null,
                output?.Succeeded ?? false,
                output?.Found ?? false,
                Intern(output?.Value));
        }

        int[] leaseOf = [.. leaseOfValue];
        Entry head = BuildList(ops);
        var zobrist = new ulong[n];
        ulong seed = 0x9E3779B97F4A7C15UL;
        for (int i = 0; i < n; i++)
        {
            seed += 0x9E3779B97F4A7C15UL;
            ulong z = seed;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            zobrist[i] = z ^ (z >> 31);
        }

        var bits = new ulong[(n + 63) / 64];
        ulong hash = 0;
        var probe = new Configuration(bits, 0, 0);
        var explored = new HashSet<Configuration>(ConfigurationComparer.Instance);
        var stack = new Stack<Frame>();
        int state = RegisterModel.Absent;
        long steps = 0;
        int bestDepth = -1;
        int[] bestOrder = [];
        int bestStuck = -1;
        int bestState = RegisterModel.Absent;
        Entry entry = head.Next!;

        while (true)
        {
            if (head.Next is null || (!head.Next.IsCall && head.Next.AtInfinity))
            {
                return new KeySearchOutcome(LinearizabilityVerdict.Linearizable, steps, [.. stack.Reverse().Select(f => f.Entry.Op)], -1, Name(state));
            }

            if (++steps > maxSteps)
            {
                return new KeySearchOutcome(LinearizabilityVerdict.Inconclusive, steps, bestOrder, bestStuck, Name(bestState));
            }

            bool backtrack;
            if (entry.IsCall)
            {
                backtrack = false;
                if (RegisterModel.Step(compiled[entry.Op], state, leaseOf, out int next))
                {
                    int op = entry.Op;
                    bits[op >> 6] |= 1UL << (op & 63);
                    hash ^= zobrist[op];
                    probe.State = next;
                    probe.Hash = hash;
                    if (!explored.Contains(probe))
                    {
                        explored.Add(new Configuration((ulong[])bits.Clone(), next, hash));
                        stack.Push(new Frame(entry, state, compiled[op].ObservedNoOp));
                        state = next;
                        Lift(entry);
                        entry = head.Next!;
                        continue;
                    }

                    bits[op >> 6] &= ~(1UL << (op & 63));
                    hash ^= zobrist[op];

                    // An observed no-op could have been linearized first in every solution from
                    // here; its configuration failed, so this one fails too.
                    backtrack = compiled[op].ObservedNoOp;
                }

                if (!backtrack)
                {
                    entry = entry.Next!;
                    continue;
                }
            }
            else if (stack.Count > bestDepth)
            {
                bestDepth = stack.Count;
                bestOrder = [.. stack.Reverse().Select(f => f.Entry.Op)];
                bestStuck = entry.Op;
                bestState = state;
            }

            Frame frame;
            do
            {
                if (stack.Count == 0)
                {
                    return new KeySearchOutcome(LinearizabilityVerdict.NotLinearizable, steps, bestOrder, bestStuck, Name(bestState));
                }

                frame = stack.Pop();
                state = frame.PreviousState;
                int op = frame.Entry.Op;
                bits[op >> 6] &= ~(1UL << (op & 63));
                hash ^= zobrist[op];
                Unlift(frame.Entry);
            }
            while (frame.Forced);

            entry = frame.Entry.Next!;
        }

        int Intern(string? value)
        {
            if (value is null)
            {
                return RegisterModel.Absent;
            }

            if (!values.TryGetValue(value, out int id))
            {
                id = names.Count;
                values.Add(value, id);
                names.Add(value);
                leaseOfValue.Add(0);
            }

            return id;
        }

        int InternLease(ulong lease)
        {
            if (!leases.TryGetValue(lease, out int id))
            {
                id = leases.Count;
                leases.Add(lease, id);
            }

            return id;
        }

        string? Name(int value) => value == RegisterModel.Absent ? null : names[value];
    }

    private static Entry BuildList(IReadOnlyList<HistoryOperation> ops)
    {
        var events = new List<(long Time, int Order, Entry Entry)>(ops.Count * 2);
        for (int i = 0; i < ops.Count; i++)
        {
            var call = new Entry { Op = i, IsCall = true };
            var ret = new Entry { Op = i, IsCall = false, AtInfinity = ops[i].Completed is null };
            call.Match = ret;
            events.Add((ops[i].Invoked.Ticks, 0, call));
            events.Add((ops[i].Completed?.Ticks ?? long.MaxValue, 1, ret));
        }

        // Calls sort before returns at the same time, so touching intervals count as concurrent.
        events.Sort((a, b) =>
        {
            int c = a.Time.CompareTo(b.Time);
            if (c == 0)
            {
                c = a.Order.CompareTo(b.Order);
            }

            return c != 0 ? c : a.Entry.Op.CompareTo(b.Entry.Op);
        });

        var head = new Entry { Op = -1 };
        Entry last = head;
        foreach ((_, _, Entry e) in events)
        {
            last.Next = e;
            e.Prev = last;
            last = e;
        }

        return head;
    }

    private static void Lift(Entry call)
    {
        call.Prev!.Next = call.Next;
        call.Next!.Prev = call.Prev;
        Entry ret = call.Match!;
        ret.Prev!.Next = ret.Next;
        if (ret.Next is not null)
        {
            ret.Next.Prev = ret.Prev;
        }
    }

    private static void Unlift(Entry call)
    {
        Entry ret = call.Match!;
        ret.Prev!.Next = ret;
        if (ret.Next is not null)
        {
            ret.Next.Prev = ret;
        }

        call.Prev!.Next = call;
        call.Next!.Prev = call;
    }
}
