using Paxos.Checking;
using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Tests;

/// <summary>
/// Generates histories that are linearizable by construction: each operation gets a random
/// interval and a linearization point inside it (or, for an unknown outcome, anywhere after its
/// invocation, or never), and outputs come from running the operations on a real dictionary in
/// the order of those points.
/// </summary>
internal static class HistoryGenerator
{
    public static List<HistoryOperation> Generate(
        SimRandom random, int clients, int operations, int keys, double unknownRate, bool sequential)
    {
        var pending = new List<(HistoryOperation Op, long Point)>();
        var clientFree = new long[clients];
        long sequentialClock = 0;
        for (int id = 0; id < operations; id++)
        {
            int client = random.NextInt(clients);
            long start = sequential ? sequentialClock + 1 : clientFree[client] + random.NextInt(20);
            long end = start + 1 + random.NextInt(sequential ? 5 : 60);
            bool unknown = !sequential && random.Chance(unknownRate);
            long point = unknown
                ? (random.Chance(0.5) ? long.MaxValue : start + random.NextInt(200))
                : start + random.NextInt((int)(end - start + 1));
            sequentialClock = end;
            clientFree[client] = end + 1;
            KvInput input = RandomInput(random, $"k{random.NextInt(keys)}");
            var op = new HistoryOperation(id, client, input, TimeSpan.FromTicks(start), unknown ? null : TimeSpan.FromTicks(end), null);
            pending.Add((op, point));
        }

        var store = new Dictionary<string, string>(StringComparer.Ordinal);
        var result = new List<HistoryOperation>(operations);
        foreach ((HistoryOperation op, long point) in pending.OrderBy(p => p.Point).ThenBy(p => p.Op.Id))
        {
            if (point == long.MaxValue)
            {
                result.Add(op);
                continue;
            }

            KvOutput output = Apply(store, op.Input);
            result.Add(op.OutcomeKnown ? op with { Output = output } : op);
        }

        return [.. result.OrderBy(o => o.Id)];
    }

    private static KvInput RandomInput(SimRandom random, string key)
    {
        string value = $"v{random.NextInt(4)}";
        return random.NextInt(6) switch
        {
            0 or 1 => KvInput.Put(key, value),
            2 or 3 => KvInput.Get(key),
            4 => KvInput.Delete(key),
            _ => random.Chance(0.3)
                ? KvInput.CompareAndSwap(key, true, null, value)
                : KvInput.CompareAndSwap(key, false, $"v{random.NextInt(4)}", value),
        };
    }

    private static KvOutput Apply(Dictionary<string, string> store, KvInput input)
    {
        bool found = store.TryGetValue(input.Key, out string? current);
        switch (input.Kind)
        {
            case KvOperationKind.Put:
                store[input.Key] = input.Value!;
                return KvOutput.PutOk;
            case KvOperationKind.Get:
                return KvOutput.GetResult(found, current);
            case KvOperationKind.Delete:
                store.Remove(input.Key);
                return KvOutput.DeleteResult(found);
            default:
                bool matches = input.ExpectAbsent ? !found : found && current == input.Expected;
                if (matches)
                {
                    store[input.Key] = input.Value!;
                }

                return KvOutput.CasResult(matches, found, current);
        }
    }

    /// <summary>Returns <paramref name="op"/> with its observed output changed to a different one (not for a Put).</summary>
    public static HistoryOperation Mutate(SimRandom random, HistoryOperation op)
    {
        KvOutput output = op.Output!;
        KvOutput mutated = op.Input.Kind switch
        {
            KvOperationKind.Get => output.Found && random.Chance(0.5)
                ? KvOutput.GetResult(false, null)
                : KvOutput.GetResult(true, (output.Value ?? "v0") + "-other"),
            KvOperationKind.Delete => KvOutput.DeleteResult(!output.Found),
            KvOperationKind.CompareAndSwap => output.Succeeded
                ? KvOutput.CasResult(false, true, "unseen")
                : KvOutput.CasResult(true, false, null),
            _ => throw new ArgumentException("a put has no output to mutate", nameof(op)),
        };
        return op with { Output = mutated };
    }
}
