using System.Globalization;

namespace Paxos.Storage.Wal;

/// <summary>Names of segment files: the first sequence number as 16 hex digits, e.g. <c>0000000000000001.seg</c>.</summary>
internal static class SegmentFileName
{
    private const string Extension = ".seg";

    public static string Format(long firstSequence) =>
        firstSequence.ToString("X16", CultureInfo.InvariantCulture) + Extension;

    public static bool TryParse(string path, out long firstSequence)
    {
        string name = Path.GetFileName(path);
        firstSequence = 0;
        return name.Length == 16 + Extension.Length
            && name.EndsWith(Extension, StringComparison.Ordinal)
            && long.TryParse(name.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out firstSequence)
            && firstSequence >= 0;
    }
}
