using Paxos.Transport.V1;

namespace Paxos.Cluster.Tests.Chaos;

/// <summary>
/// Checks the watches of a chaos run against what the clients know was chosen and against the
/// final state. Each watch: its events come in index order, each key at most once per index (so
/// each change once); every change a client had acknowledged with its index is there, at that
/// index, unless a node declared the index compacted; the last event of each key is the key's
/// final value (when no compacted stretch follows it) and a key without events ends absent; every
/// value put is one a client wrote. Two watches agree on every index both cover. The chosen log
/// is not visible outside the nodes, so this is how "the watch reports the log's changes, no gap"
/// is checked on real processes.
/// </summary>
internal static class ChaosWatchCheck
{
    /// <summary>The problems found, each described; empty if none.</summary>
    public static IReadOnlyList<string> Check(
        IReadOnlyList<ChaosWatcher> watchers,
        IReadOnlyList<(ulong Index, string Key, string? Value)> acknowledged,
        IReadOnlyDictionary<string, string?> finalValues,
        IReadOnlySet<string> written)
    {
        var problems = new List<string>();
        var byWatcher = new List<Dictionary<ulong, Dictionary<string, WatchEvent>>>();
        for (int w = 0; w < watchers.Count; w++)
        {
            ChaosWatcher watcher = watchers[w];
            var indexes = new Dictionary<ulong, Dictionary<string, WatchEvent>>();
            byWatcher.Add(indexes);
            ulong previous = 0;
            foreach (WatchEvent change in watcher.Events)
            {
                if (change.Index < previous)
                {
                    problems.Add($"watch {w}: index {change.Index} came after index {previous}");
                }
                previous = Math.Max(previous, change.Index);
                if (!indexes.TryGetValue(change.Index, out var events))
                {
                    events = [];
                    indexes.Add(change.Index, events);
                }
                if (!events.TryAdd(change.Key, change))
                {
                    problems.Add($"watch {w}: key {change.Key} changed twice at index {change.Index} (an event delivered twice)");
                }
                if (change.Type == WatchEvent.Types.Type.Put && !written.Contains(change.Value.ToStringUtf8()))
                {
                    problems.Add($"watch {w}: index {change.Index} puts {change.Key}={change.Value.ToStringUtf8()}, a value no client wrote");
                }
            }

            foreach (var (index, key, value) in acknowledged.Where(change => Covers(watcher, change.Index)))
            {
                if (!indexes.TryGetValue(index, out var events) || !events.TryGetValue(key, out var seen))
                {
                    problems.Add($"watch {w}: misses the acknowledged change of {key} to {value ?? "(deleted)"} at index {index}");
                }
                else if (Describe(seen) != (value ?? "(deleted)"))
                {
                    problems.Add($"watch {w}: index {index} changes {key} to {Describe(seen)}, the client's write made it {value ?? "(deleted)"}");
                }
            }

            foreach (var (key, final) in finalValues)
            {
                WatchEvent? last = watcher.Events.LastOrDefault(change => change.Key == key);
                ulong after = last?.Index ?? 0;
                if (watcher.Compacted.Any(gap => gap.To > after))
                {
                    continue; // the key may have changed where the watch was told it could not see
                }
                string expected = final ?? "(deleted)";
                string seen = last is null ? "(deleted)" : Describe(last);
                if (seen != expected)
                {
                    problems.Add($"watch {w}: its last event for {key} leaves it {seen}, but the final value is {expected}");
                }
            }
        }

        for (int a = 0; a < watchers.Count; a++)
        {
            for (int b = a + 1; b < watchers.Count; b++)
            {
                foreach (ulong index in byWatcher[a].Keys.Union(byWatcher[b].Keys).Where(i => Covers(watchers[a], i) && Covers(watchers[b], i)))
                {
                    string left = Render(byWatcher[a].GetValueOrDefault(index));
                    string right = Render(byWatcher[b].GetValueOrDefault(index));
                    if (left != right)
                    {
                        problems.Add($"watches {a} and {b} disagree at index {index}: {left} / {right}");
                    }
                }
            }
        }
        return problems;
    }

    /// <summary>Whether the watch was to report <paramref name="index"/>: below where it got to, and not in a stretch a node declared compacted.</summary>
    private static bool Covers(ChaosWatcher watcher, ulong index) =>
        index < watcher.Next && !watcher.Compacted.Any(gap => index >= gap.From && index < gap.To);

    private static string Describe(WatchEvent change) => change.Type == WatchEvent.Types.Type.Put ? change.Value.ToStringUtf8() : "(deleted)";

    private static string Render(Dictionary<string, WatchEvent>? events) => events is null
        ? "nothing"
        : string.Join(", ", events.Values.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={Describe(e)}"));
}
