namespace Paxos.Storage.Snapshots;

/// <summary>Thrown when a snapshot file fails its header or content checksum, or its lengths do not add up.</summary>
public sealed class SnapshotCorruptionException : IOException
{
    /// <summary>Creates the exception for the snapshot at <paramref name="path"/>.</summary>
    public SnapshotCorruptionException(string path, string reason)
        : base($"Snapshot '{path}' is corrupt: {reason}")
    {
        FilePath = path;
    }

    /// <summary>The corrupt snapshot file.</summary>
    public string FilePath { get; }
}
