namespace Paxos.KeyValue.Watching;

/// <summary>The keys a watcher follows: one key, or every key that starts with a prefix (empty: every key).</summary>
/// <param name="Key">The key, or the prefix.</param>
/// <param name="IsPrefix">Whether <paramref name="Key"/> is a prefix.</param>
public sealed record WatchFilter(string Key, bool IsPrefix)
{
    /// <summary>Whether a change to <paramref name="key"/> is one this watcher follows.</summary>
    /// <remarks>Ordinal UTF-16 prefixes of valid strings are exactly their UTF-8 byte prefixes.</remarks>
    public bool Matches(string key) => IsPrefix ? key.StartsWith(Key, StringComparison.Ordinal) : key.Equals(Key, StringComparison.Ordinal);

    /// <summary>Checks the filter against <see cref="KeyValueLimits"/>: a valid key, or a valid (possibly empty) prefix; returns the error or null.</summary>
    public string? Validate() => IsPrefix ? KeyValueLimits.ValidateListBound(Key, "prefix") : KeyValueLimits.ValidateKey(Key);
}
