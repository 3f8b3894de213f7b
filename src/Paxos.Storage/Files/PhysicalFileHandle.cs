using Microsoft.Win32.SafeHandles;

namespace Paxos.Storage.Files;

/// <summary>An <see cref="IFileHandle"/> over an operating-system file, using <see cref="RandomAccess"/>.</summary>
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

    public void SetLength(long length) => RandomAccess.SetLength(handle, length);

    public void Dispose() => handle.Dispose();
}
