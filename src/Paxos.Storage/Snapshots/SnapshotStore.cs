using System.Buffers;
using Paxos.Storage.Files;
using Paxos.Core;

namespace Paxos.Storage.Snapshots;

/// <summary>
/// Snapshot files in one directory: each written atomically (temporary file, fsync, rename, directory fsync) with a
/// checksummed header and content, read back only after verification, older ones deleted once a newer one is in
/// place. Writers may run at the same time (a node takes its own snapshot while it receives its leader's, possibly
/// of the same index): each writes its own temporary file, and putting a file in place, deleting older ones and
/// opening the newest are serialized, so that a listed snapshot is never deleted before it is opened.
/// </summary>
public sealed class SnapshotStore
{
    private const int VerifyChunkSize = 64 * 1024;

    private readonly string _directory;
    private readonly IFileSystem _fs;
    private readonly Lock _gate = new();
    private long _writers;

    /// <summary>
    /// Opens the store in <paramref name="directory"/> (creating it if needed) and deletes temporary files left by
    /// writes that a crash interrupted.
    /// </summary>
    /// <param name="directory">The directory holding the snapshot files.</param>
    /// <param name="fileSystem">The file layer; the real one by default.</param>
    public SnapshotStore(string directory, IFileSystem? fileSystem = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _directory = directory;
        _fs = fileSystem ?? PhysicalFileSystem.Instance;
        _fs.CreateDirectory(directory);
        bool removed = false;
        foreach (string path in _fs.ListFiles(directory))
        {
            if (path.EndsWith(SnapshotFormat.TempExtension, StringComparison.Ordinal))
            {
                _fs.DeleteFile(path);
                removed = true;
            }
        }
        if (removed)
        {
            _fs.SyncDirectory(directory);
        }
    }

    /// <summary>
    /// Planted bug for the simulator only (tests/Paxos.Simulation): a snapshot renamed into place is not made durable
    /// by a directory fsync, so a crash can take it away after the log before it was deleted. Neither is the deletion of
    /// the older snapshots that follows (its fsync would make the rename durable too).
    /// </summary>
    internal bool PlantSkipRenameSync { get; init; }

    /// <summary>The indexes of the snapshot files present, ascending.</summary>
    public IReadOnlyList<long> ListIndexes()
    {
        var indexes = new List<long>();
        foreach (string path in _fs.ListFiles(_directory))
        {
            if (SnapshotFormat.TryParseFileName(path, out long index))
            {
                indexes.Add(index);
            }
        }
        indexes.Sort();
        return indexes;
    }

    /// <summary>Starts writing the snapshot covering the log up to <paramref name="index"/>; write the content in chunks, then commit.</summary>
    /// <param name="index">The log index the snapshot covers.</param>
    /// <param name="metadata">Caller metadata stored in the header (at most 16 MiB), e.g. the cluster configuration.</param>
    public SnapshotWriter BeginWrite(long index, ReadOnlySpan<byte> metadata)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        long writer = Interlocked.Increment(ref _writers);
        string tempPath = Path.Combine(_directory, $"{SnapshotFormat.FileName(index)[..^SnapshotFormat.Extension.Length]}.{writer}{SnapshotFormat.TempExtension}");
        return new SnapshotWriter(this, _fs, tempPath, index, metadata);
    }

    /// <summary>Writes and commits a snapshot whose content is already in memory.</summary>
    public void Write(long index, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> content)
    {
        using SnapshotWriter writer = BeginWrite(index, metadata);
        writer.Write(content);
        writer.Commit();
    }

    /// <summary>
    /// Opens the snapshot with the highest index after verifying its header and content checksums, or returns
    /// <see langword="null"/> if there is none. A corrupt newest snapshot is an error, never skipped in favour of an
    /// older one, since the log before it may already be truncated.
    /// </summary>
    /// <exception cref="SnapshotCorruptionException">The newest snapshot fails verification.</exception>
    public SnapshotReader? OpenLatest()
    {
        lock (_gate)
        {
            IReadOnlyList<long> indexes = ListIndexes();
            return indexes.Count == 0 ? null : Open(indexes[^1]);
        }
    }

    /// <summary>Deletes every snapshot with an index below <paramref name="index"/>; returns how many were deleted.</summary>
    public int DeleteOlderThan(long index) => DeleteOlderThan(index, sync: true);

    /// <summary>Deletes every snapshot with an index below <paramref name="index"/>, durably if <paramref name="sync"/>.</summary>
    private int DeleteOlderThan(long index, bool sync)
    {
        lock (_gate)
        {
            int deleted = 0;
            foreach (long older in ListIndexes())
            {
                if (older < index)
                {
                    _fs.DeleteFile(Path.Combine(_directory, SnapshotFormat.FileName(older)));
                    deleted++;
                }
            }
            if (deleted > 0 && sync)
            {
                _fs.SyncDirectory(_directory);
            }
            return deleted;
        }
    }

    /// <summary>
    /// Renames a completed, fsynced temporary file into place durably, then deletes older snapshots; deletes it instead
    /// if a newer snapshot was put in place while it was written (a node's own, overtaken by one from its leader).
    /// </summary>
    internal void Install(string tempPath, long index)
    {
        lock (_gate)
        {
            if (ListIndexes() is [.., long newest] && newest > index)
            {
                _fs.DeleteFile(tempPath);
                return;
            }
            _fs.RenameFile(tempPath, Path.Combine(_directory, SnapshotFormat.FileName(index)));
            if (!PlantSkipRenameSync)
            {
                _fs.SyncDirectory(_directory);
            }
            DeleteOlderThan(index, sync: !PlantSkipRenameSync);
        }
    }

    private SnapshotReader Open(long index)
    {
        string path = Path.Combine(_directory, SnapshotFormat.FileName(index));
        IFileHandle file = _fs.OpenFile(path, FileOpenMode.OpenRead);
        try
        {
            Span<byte> header = stackalloc byte[SnapshotFormat.HeaderSize];
            if (file.Read(header, 0) < SnapshotFormat.HeaderSize)
            {
                throw new SnapshotCorruptionException(path, "file is shorter than the snapshot header");
            }
            string? problem = SnapshotFormat.ReadHeader(header, out SnapshotFormat.Header fields);
            if (problem is not null)
            {
                throw new SnapshotCorruptionException(path, problem);
            }
            if (SnapshotFormat.HeaderSize + (long)fields.MetadataLength > file.Length)
            {
                throw new SnapshotCorruptionException(path, "metadata extends past the end of the file");
            }
            var metadata = new byte[fields.MetadataLength];
            file.Read(metadata, SnapshotFormat.HeaderSize);
            if (!SnapshotFormat.HeaderChecksumMatches(header, metadata))
            {
                throw new SnapshotCorruptionException(path, "header checksum mismatch");
            }
            if (fields.Index != index)
            {
                throw new SnapshotCorruptionException(path, $"header says index {fields.Index} but the file name says {index}");
            }
            long expectedLength = SnapshotFormat.HeaderSize + fields.MetadataLength + fields.ContentLength;
            if (file.Length != expectedLength)
            {
                throw new SnapshotCorruptionException(path, $"file is {file.Length} bytes, the header implies {expectedLength}");
            }
            VerifyContent(file, path, SnapshotFormat.HeaderSize + fields.MetadataLength, fields);
            return new SnapshotReader(file, index, metadata, fields.ContentLength, fields.ContentCrc);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static void VerifyContent(IFileHandle file, string path, long start, SnapshotFormat.Header fields)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(VerifyChunkSize);
        try
        {
            uint crc = 0;
            for (long done = 0; done < fields.ContentLength;)
            {
                int count = file.Read(buffer.AsSpan(0, (int)Math.Min(VerifyChunkSize, fields.ContentLength - done)), start + done);
                if (count == 0)
                {
                    throw new SnapshotCorruptionException(path, "content is truncated");
                }
                crc = Crc32C.Append(crc, buffer.AsSpan(0, count));
                done += count;
            }
            if (crc != fields.ContentCrc)
            {
                throw new SnapshotCorruptionException(path, "content checksum mismatch");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
