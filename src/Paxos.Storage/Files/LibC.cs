using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Paxos.Storage.Files;

/// <summary>The C library calls the file layer needs beyond what .NET's file APIs offer (Unix only).</summary>
internal static partial class LibC
{
    /// <summary>errno for a call interrupted by a signal.</summary>
    internal const int EINTR = 4;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Open(byte[] path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int Close(int fd);

    /// <summary>fdatasync; the marshaller holds a reference on the handle for the call.</summary>
    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int FDataSync(SafeFileHandle fd);

    /// <summary>fallocate (Linux); the marshaller holds a reference on the handle for the call.</summary>
    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static partial int FAllocate(SafeFileHandle fd, int mode, long offset, long length);
}
