namespace Paxos.Checking;

/// <summary>
/// What a client asked for. Values are strings compared ordinally: a harness that stores byte
/// arrays converts them (for example to hex or UTF-8) before recording, which keeps traces readable
/// and lets the checker intern values cheaply. <see langword="null"/> never stands for a value.
/// </summary>
/// <param name="Kind">The operation.</param>
/// <param name="Key">The key the operation touches; the checker partitions histories by it.</param>
/// <param name="Value">The value written by <see cref="KvOperationKind.Put"/> or the new value of a compare-and-swap.</param>
/// <param name="ExpectAbsent">For compare-and-swap: succeed only if the key is absent.</param>
/// <param name="Expected">For compare-and-swap when <paramref name="ExpectAbsent"/> is false: the value the key must hold.</param>
public sealed record KvInput(KvOperationKind Kind, string Key, string? Value, bool ExpectAbsent, string? Expected)
{
    /// <summary>Put(key, value).</summary>
    public static KvInput Put(string key, string value) => new(KvOperationKind.Put, key, value, false, null);

    /// <summary>Get(key).</summary>
    public static KvInput Get(string key) => new(KvOperationKind.Get, key, null, false, null);

    /// <summary>Delete(key).</summary>
    public static KvInput Delete(string key) => new(KvOperationKind.Delete, key, null, false, null);

    /// <summary>
    /// CompareAndSwap(key, expectAbsent, expected, newValue): if <paramref name="expectAbsent"/> the
    /// swap requires the key to be absent, otherwise it requires the key to hold <paramref name="expected"/>.
    /// </summary>
    public static KvInput CompareAndSwap(string key, bool expectAbsent, string? expected, string newValue)
    {
        if (!expectAbsent && expected is null)
        {
            throw new ArgumentException("a compare-and-swap that does not expect absence needs an expected value", nameof(expected));
        }

        return new(KvOperationKind.CompareAndSwap, key, newValue, expectAbsent, expectAbsent ? null : expected);
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        KvOperationKind.Put => $"Put({Key}, {KvText.Abbreviate(Value)})",
        KvOperationKind.Get => $"Get({Key})",
        KvOperationKind.Delete => $"Delete({Key})",
        _ => $"CAS({Key}, {(ExpectAbsent ? "absent" : KvText.Abbreviate(Expected))} -> {KvText.Abbreviate(Value)})",
    };
}
