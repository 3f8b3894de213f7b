namespace Paxos.Cluster.Tests.Chaos;

/// <summary>
/// The changes the clients of a chaos run know were chosen, with their index (from the write's
/// answer): an acknowledged put, a compare-and-swap or Txn that succeeded, a delete of a key that
/// existed, and each value the final reads found (at the index of its write). Every one must reach
/// every watch that covers its index, at that index.
/// </summary>
internal sealed class ChaosChanges
{
    private readonly List<(ulong Index, string Key, string? Value)> _changes = [];

    /// <summary>Records that <paramref name="key"/> became <paramref name="value"/> (null: deleted) at <paramref name="index"/>.</summary>
    public void Add(ulong index, string key, string? value)
    {
        lock (_changes)
        {
            _changes.Add((index, key, value));
        }
    }

    /// <summary>A copy of the changes so far.</summary>
    public IReadOnlyList<(ulong Index, string Key, string? Value)> All
    {
        get
        {
            lock (_changes)
            {
                return [.. _changes];
            }
        }
    }
}
