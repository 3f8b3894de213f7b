namespace Paxos.KeyValue;

/// <summary>
/// Orders strings as their UTF-8 bytes order (that is, by code point), which ordinal UTF-16 order
/// does not: a surrogate pair (a code point above U+FFFF) sorts above U+E000 to U+FFFF here. At the
/// first differing unit, surrogates move up by 0x2000 and U+E000 to U+FFFF down by 0x800.
/// </summary>
internal sealed class Utf8Order : IComparer<string>
{
    public static readonly Utf8Order Instance = new();

    private Utf8Order()
    {
    }

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }
        int common = x.AsSpan().CommonPrefixLength(y);
        return common == Math.Min(x.Length, y.Length) ? x.Length.CompareTo(y.Length) : Rank(x[common]).CompareTo(Rank(y[common]));
    }

    private static int Rank(char c) => c < 0xD800 ? c : c < 0xE000 ? c + 0x2000 : c - 0x800;
}
