namespace Paxos.Storage.Files;

/// <summary>How <see cref="IFileSystem.OpenFile"/> opens a file.</summary>
public enum FileOpenMode
{
    /// <summary>Opens an existing file for reading only.</summary>
    OpenRead,

    /// <summary>Opens an existing file for reading and writing.</summary>
    OpenReadWrite,

    /// <summary>Creates a new, empty file for reading and writing; fails if the file already exists.</summary>
    CreateNew,
}
