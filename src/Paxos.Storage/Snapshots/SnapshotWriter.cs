using Paxos.Storage.Files;
using Paxos.Core;

namespace Paxos.Storage.Snapshots;

/// <summary>
/// Writes one snapshot in chunks to a temporary file; <see cref="Commit"/> makes it durable and atomically puts it
/// in place. Disposing without committing discards it. Until then what was written can be read back, to check a
/// snapshot received from elsewhere before it replaces the store's. Obtained from <see cref="SnapshotStore.BeginWrite"/>.
/// </summary>
public sealed class SnapshotWriter : ISnapshotContent, IDisposable
{
    private readonly SnapshotStore _store;
    private readonly IFileSystem _fs;
    private readonly byte[] _metadata;
    private readonly string _tempPath;
    private readonly long _contentStart;
    private IFileHandle? _file;
    private uint _contentCrc;
    private bool _committed;

    internal SnapshotWriter(SnapshotStore store, IFileSystem fs, string tempPath, long index, ReadOnlySpan<byte> metadata)
    {
        if (metadata.Length > SnapshotFormat.MaxMetadataSize)
        {
            throw new ArgumentOutOfRangeException(nameof(metadata), metadata.Length, $"Snapshot metadata may be at most {SnapshotFormat.MaxMetadataSize} bytes.");
        }
        _store = store;
        _fs = fs;
        _tempPath = tempPath;
        _metadata = metadata.ToArray();
        Index = index;
        _contentStart = SnapshotFormat.HeaderSize + metadata.Length;
        _fs.DeleteFile(tempPath);
        _file = _fs.OpenFile(tempPath, FileOpenMode.CreateNew);
        _file.Write(metadata, SnapshotFormat.HeaderSize);
    }

    /// <summary>The log index the snapshot covers.</summary>
    public long Index { get; }

    /// <summary>How many content bytes have been written so far.</summary>
    public long ContentLength { get; private set; }

    /// <summary>The CRC-32C of the content written so far.</summary>
    public uint ContentCrc => _contentCrc;

    /// <summary>The caller's metadata to be stored with the snapshot.</summary>
    public ReadOnlyMemory<byte> Metadata => _metadata;

    /// <summary>Reads back content written so far, before the snapshot is committed.</summary>
    public int ReadContent(long offset, Span<byte> destination)
    {
        IFileHandle file = OpenFile();
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, ContentLength);
        int count = (int)Math.Min(destination.Length, ContentLength - offset);
        int read = file.Read(destination[..count], _contentStart + offset);
        if (read != count)
        {
            throw new SnapshotCorruptionException(_tempPath, $"content ended at {offset + read} bytes, expected {ContentLength}");
        }
        return read;
    }

    /// <summary>Appends the next chunk of the snapshot's content.</summary>
    public void Write(ReadOnlySpan<byte> chunk)
    {
        IFileHandle file = OpenFile();
        file.Write(chunk, _contentStart + ContentLength);
        _contentCrc = Crc32C.Append(_contentCrc, chunk);
        ContentLength += chunk.Length;
    }

    /// <summary>
    /// Writes the header, fsyncs the file, renames it into place (replacing a snapshot with the same index), fsyncs
    /// the directory, and then deletes the store's older snapshots.
    /// </summary>
    public void Commit()
    {
        IFileHandle file = OpenFile();
        Span<byte> header = stackalloc byte[SnapshotFormat.HeaderSize];
        SnapshotFormat.WriteHeader(header, new SnapshotFormat.Header(Index, _metadata.Length, ContentLength, _contentCrc), _metadata);
        file.Write(header, 0);
        file.FlushToDisk();
        file.Dispose();
        _file = null;
        _store.Install(_tempPath, Index);
        _committed = true;
    }

    /// <summary>Discards the snapshot unless it was committed.</summary>
    public void Dispose()
    {
        if (_file is not null)
        {
            _file.Dispose();
            _file = null;
        }
        if (!_committed)
        {
            _fs.DeleteFile(_tempPath);
            _committed = true;
        }
    }

    private IFileHandle OpenFile()
    {
        ObjectDisposedException.ThrowIf(_file is null, this);
        return _file;
    }
}
