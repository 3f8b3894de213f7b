namespace Paxos.Storage;

/// <summary>
/// A file on disk failed its checksum or is malformed. The node must not start on it: trusting it
/// could forget a promise or an accepted value.
/// </summary>
public sealed class StorageCorruptionException(string path, long offset, string problem)
    : Exception($"Corrupt storage file '{path}' at byte offset {offset}: {problem}. The node refuses to start rather than forget what it promised; restore the file or replace this node's data directory from a healthy replica.")
{
    /// <summary>The corrupt file.</summary>
    public string FilePath { get; } = path;

    /// <summary>Where in the file the problem was found.</summary>
    public long Offset { get; } = offset;
}
