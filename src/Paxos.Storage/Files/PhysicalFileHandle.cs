using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Paxos.Storage.Files;

/// <summary>
/// An <see cref="IFileHandle"/> over an operating-system file, using <see cref="RandomAccess"/>; on Linux,
/// <see cref="FlushDataToDisk"/> is fdatasync and <see cref="Reserve"/> is fallocate.
/// </summary>
internal sealed class PhysicalFileHandle(SafeFileHandle handle, string path) : IFileHandle
{
    public string Path { get; } = path;

    public long Length => RandomAccess.GetLength(handle);

    public int Read(Span<byte> buffer, long offset)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = RandomAccess.Read(handle, buffer[total..], offset + total);
            if (read == 0)
            {
                break;
            }
            total += read;
        }
        return total;
    }

    public void Write(ReadOnlySpan<byte> data, long offset) => RandomAccess.Write(handle, data, offset);

    public void FlushToDisk() => RandomAccess.FlushToDisk(handle);

    public void FlushDataToDisk()
    {
        if (!OperatingSystem.IsLinux())
        {
            FlushToDisk();
            return;
        }
        int result;
        int errno;
        do
        {
            result = LibC.FDataSync(handle);
            errno = result == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
        while (result != 0 && errno == LibC.EINTR);
        if (result != 0)
        {
            throw new IOException($"fdatasync of '{Path}' failed (errno {errno}).");
        }
    }

    public void Reserve(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (!OperatingSystem.IsLinux() || length <= Length)
        {
            return;
        }
        // Mode 0: allocate and extend the file's size. A failure (a file system without fallocate, a full disk) leaves
        // the file unchanged; the log then grows the file as it writes, which only costs speed.
        _ = LibC.FAllocate(handle, 0, 0, length);
    }

    public void SetLength(long length) => RandomAccess.SetLength(handle, length);

    public void Dispose() => handle.Dispose();
}
