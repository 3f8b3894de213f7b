namespace Paxos.KeyValue.Watching;

/// <summary>
/// The watchers that receive changes as they are applied, found by the key a change touches: a
/// dictionary of watched keys, and one of watched prefixes probed once per distinct prefix length,
/// so a change costs its matching watchers plus a few lookups, whatever the number of watchers.
/// Not thread-safe: its <see cref="ChangeFeed"/>'s lock guards it.
/// </summary>
internal sealed class WatcherIndex
{
    private readonly Dictionary<string, HashSet<Watcher>> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<Watcher>> _prefixes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<Watcher>>.AlternateLookup<ReadOnlySpan<char>> _prefixLookup;

    /// <summary>The distinct lengths of <see cref="_prefixes"/>' keys, ascending.</summary>
    private int[] _prefixLengths = [];

    public WatcherIndex()
    {
        _prefixLookup = _prefixes.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count { get; private set; }

    /// <summary>Every watcher, for a snapshot that ends some of them.</summary>
    public IEnumerable<Watcher> All => _keys.Values.Concat(_prefixes.Values).SelectMany(watchers => watchers);

    public void Add(Watcher watcher)
    {
        var map = watcher.Filter.IsPrefix ? _prefixes : _keys;
        if (!map.TryGetValue(watcher.Filter.Key, out var watchers))
        {
            watchers = [];
            map.Add(watcher.Filter.Key, watchers);
            if (watcher.Filter.IsPrefix)
            {
                _prefixLengths = [.. _prefixes.Keys.Select(prefix => prefix.Length).Distinct().Order()];
            }
        }
        if (watchers.Add(watcher))
        {
            Count++;
        }
    }

    /// <summary>Removes <paramref name="watcher"/>; returns whether it was here.</summary>
    public bool Remove(Watcher watcher)
    {
        var map = watcher.Filter.IsPrefix ? _prefixes : _keys;
        if (!map.TryGetValue(watcher.Filter.Key, out var watchers) || !watchers.Remove(watcher))
        {
            return false;
        }
        Count--;
        if (watchers.Count == 0)
        {
            map.Remove(watcher.Filter.Key);
            if (watcher.Filter.IsPrefix)
            {
                _prefixLengths = [.. _prefixes.Keys.Select(prefix => prefix.Length).Distinct().Order()];
            }
        }
        return true;
    }

    /// <summary>Adds to <paramref name="into"/> every watcher that follows <paramref name="key"/>.</summary>
    public void CollectMatches(string key, List<Watcher> into)
    {
        if (_keys.TryGetValue(key, out var exact))
        {
            into.AddRange(exact);
        }
        foreach (int length in _prefixLengths)
        {
            if (length > key.Length)
            {
                break;
            }
            if (_prefixLookup.TryGetValue(key.AsSpan(0, length), out var byPrefix))
            {
                into.AddRange(byPrefix);
            }
        }
    }
}
