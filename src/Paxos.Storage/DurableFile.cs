using System.Runtime.InteropServices;

namespace Paxos.Storage;

/// <summary>
/// Whole-file atomic replacement: write a temporary file, fsync it, rename it over the target,
/// then fsync the directory so the rename itself is durable. After a crash the target holds
/// either the old or the new content, never a mix.
/// </summary>
public static partial class DurableFile
{
    /// <summary>The suffix of the temporary file written before the rename (left over only by a crash in between).</summary>
    public const string TemporarySuffix = ".tmp";

    /// <summary>Replaces the file at <paramref name="path"/> with <paramref name="content"/>, durably and atomically.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        string temporary = path + TemporarySuffix;
        using (var handle = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            RandomAccess.Write(handle, content, 0);
            RandomAccess.FlushToDisk(handle);
        }
        File.Move(temporary, path, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Makes the directory's entries (created, renamed, deleted files) durable.</summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // Windows has no directory fsync; NTFS journals metadata.
        }
        int fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"Cannot open directory '{directory}' to fsync it (errno {Marshal.GetLastPInvokeError()}).");
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory '{directory}' failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
