namespace Paxos.Storage.Wal;

/// <summary>
/// Thrown by <see cref="WriteAheadLog.Open"/> when the log is damaged somewhere other than an unacknowledged torn
/// tail: such damage may have destroyed acknowledged records, so it is never skipped.
/// </summary>
public sealed class WalCorruptionException : IOException
{
    /// <summary>Creates the exception for damage at <paramref name="offset"/> of <paramref name="path"/>.</summary>
    public WalCorruptionException(string path, long offset, string reason)
        : base($"Write-ahead log corrupt in '{path}' at byte offset {offset}: {reason}")
    {
        FilePath = path;
        Offset = offset;
    }

    /// <summary>The damaged segment file.</summary>
    public string FilePath { get; }

    /// <summary>The byte offset in <see cref="FilePath"/> where the damage starts.</summary>
    public long Offset { get; }
}
