namespace Paxos.Storage.Files;

/// <summary>
/// The minimal file layer the write-ahead log and the snapshot store are written against, so that tests can count
/// fsync calls and simulate a crash that loses unsynced writes. <see cref="PhysicalFileSystem"/> is the real one.
/// </summary>
/// <remarks>
/// Creating, deleting or renaming a file is durable only after <see cref="SyncDirectory"/> on its directory;
/// file contents are durable only after <see cref="IFileHandle.FlushToDisk"/>.
/// </remarks>
public interface IFileSystem
{
    /// <summary>Opens or creates the file at <paramref name="path"/>.</summary>
    IFileHandle OpenFile(string path, FileOpenMode mode);

    /// <summary>Whether a file exists at <paramref name="path"/>.</summary>
    bool FileExists(string path);

    /// <summary>The full paths of the files (not subdirectories) directly inside <paramref name="directory"/>.</summary>
    IReadOnlyList<string> ListFiles(string directory);

    /// <summary>Deletes the file at <paramref name="path"/> if it exists.</summary>
    void DeleteFile(string path);

    /// <summary>Renames <paramref name="source"/> to <paramref name="destination"/>, atomically replacing any file there.</summary>
    void RenameFile(string source, string destination);

    /// <summary>Creates <paramref name="directory"/> (and its parents) if it does not exist.</summary>
    void CreateDirectory(string directory);

    /// <summary>Makes the creations, deletions and renames of entries in <paramref name="directory"/> durable.</summary>
    void SyncDirectory(string directory);
}
