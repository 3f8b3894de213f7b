using System.Runtime.InteropServices;
using System.Text;

namespace Paxos.Storage.Files;

/// <summary>The real <see cref="IFileSystem"/>: the operating system's files, with fsync on files and directories.</summary>
public sealed class PhysicalFileSystem : IFileSystem
{
    /// <summary>The shared instance; the class has no state.</summary>
    public static PhysicalFileSystem Instance { get; } = new();

    /// <inheritdoc />
    public IFileHandle OpenFile(string path, FileOpenMode mode)
    {
        (FileMode fileMode, FileAccess access) = mode switch
        {
            FileOpenMode.OpenRead => (FileMode.Open, FileAccess.Read),
            FileOpenMode.OpenReadWrite => (FileMode.Open, FileAccess.ReadWrite),
            FileOpenMode.CreateNew => (FileMode.CreateNew, FileAccess.ReadWrite),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
        };
        var handle = File.OpenHandle(path, fileMode, access, FileShare.ReadWrite | FileShare.Delete);
        return new PhysicalFileHandle(handle, path);
    }

    /// <inheritdoc />
    public bool FileExists(string path) => File.Exists(path);

    /// <inheritdoc />
    public IReadOnlyList<string> ListFiles(string directory) => Directory.GetFiles(directory);

    /// <inheritdoc />
    public void DeleteFile(string path) => File.Delete(path);

    /// <inheritdoc />
    public void RenameFile(string source, string destination) => File.Move(source, destination, overwrite: true);

    /// <inheritdoc />
    public void CreateDirectory(string directory) => Directory.CreateDirectory(directory);

    /// <inheritdoc />
    /// <remarks>
    /// On Unix this opens the directory and fsyncs it. On Windows it does nothing: NTFS journals directory changes
    /// and a directory cannot be flushed through the .NET file APIs.
    /// </remarks>
    public void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        byte[] nativePath = Encoding.UTF8.GetBytes(Path.GetFullPath(directory) + "\0");
        int fd = LibC.Open(nativePath, 0);
        if (fd < 0)
        {
            throw new IOException($"Cannot open directory '{directory}' to fsync it (errno {Marshal.GetLastPInvokeError()}).");
        }
        try
        {
            if (LibC.FSync(fd) != 0)
            {
                throw new IOException($"fsync of directory '{directory}' failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = LibC.Close(fd);
        }
    }
}
