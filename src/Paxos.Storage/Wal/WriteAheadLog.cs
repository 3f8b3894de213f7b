using System.Buffers;
using System.Collections.Concurrent;
using Paxos.Storage.Files;

namespace Paxos.Storage.Wal;

/// <summary>
/// A write-ahead log of opaque records (a type byte and payload bytes) in append-only segment files, with group
/// commit: records from many concurrent callers are written together and made durable with one fsync, and no
/// caller is acknowledged before the fsync that covers its record.
/// </summary>
/// <remarks>
/// <para>
/// The log assigns each record its sequence number: consecutive, starting at 1 in a new log, continuing after the
/// last recovered record on reopen. Appends return it.
/// </para>
/// <para>
/// Two ways to append, which may be mixed: <see cref="AppendAsync"/> / <see cref="AppendBatchAsync"/> from any
/// number of concurrent callers (queued for the group-commit writer, bounded by <see cref="WalOptions.QueueCapacity"/>),
/// or, for a single-writer driver loop, <see cref="Append"/> any number of records and then <see cref="Sync"/>;
/// a record appended with <see cref="Append"/> is durable only once <see cref="Sync"/> has returned.
/// </para>
/// <para>
/// On disk: segment files <c>{first sequence as 16 hex digits}.seg</c>, each a 24-byte checksummed header (magic
/// "PXWL", version, first sequence) followed by frames <c>length (u32) | CRC-32C (u32) | sequence (u64) | type (u8) |
/// payload</c>, the CRC covering every other byte of the frame. A new segment is started when the current one would
/// exceed <see cref="WalOptions.SegmentSize"/>; it is created, its header fsynced and the directory fsynced before
/// any record goes into it. With <see cref="WalOptions.PreallocateSegments"/> a segment is created at its full size
/// (zeros after the header) and records overwrite the zeros, so the file's length is not where its records end: zeros
/// after the last record are the end. Group commits sync with fdatasync.
/// </para>
/// <para>
/// Recovery (<see cref="Open"/>) treats a damaged or incomplete record at the end of the last segment as a torn,
/// never-acknowledged write only if no checksum-valid record follows it and a crash explains the damage: the record
/// (or its header) runs past the end of the file, its length is impossible, or, for a whole record with a bad
/// checksum, one of the 512-byte sectors it overlaps holds only zeros within it (a disk writes whole sectors, and an
/// unwritten one reads as the zeros the segment was preallocated or extended with). It truncates it and logs a
/// warning. Any other damage throws <see cref="WalCorruptionException"/>, notably a flipped bit in a fully written,
/// synced last record. A record whose own data fills a sector with zeros is the one case where such damage would
/// still be taken for a torn write; a damaged length field likewise reads as a torn header. Consequently, if a crash persisted a later page of an
/// unacknowledged batch but not an earlier one, recovery reports corruption rather than guess: that case cannot be
/// told apart from media damage.
/// </para>
/// <para>
/// If writing or fsyncing fails, the log is faulted: every waiting and later append fails with that error, because
/// after a failed fsync it is unknown what reached the disk. Reopen the log to recover.
/// </para>
/// </remarks>
public sealed class WriteAheadLog : IAsyncDisposable, IDisposable
{
    private const int MinimumBufferSize = 256 * 1024;

    private readonly string _directory;
    private readonly WalOptions _options;
    private readonly IFileSystem _fs;
    private readonly List<WalSegment> _segments;
    private readonly Lock _gate = new();
    private readonly Lock _lifecycle = new();
    private readonly AppendQueue _queue;
    private readonly ConcurrentQueue<PendingAppend> _pool = new();
    private Thread? _writer;
    private byte[] _buffer;
    private int _buffered;
    private IFileHandle _active;
    private long _activeLength;
    private long _nextSequence;
    private long _durableSequence;
    private Exception? _fault;
    private volatile bool _disposed;

    private WriteAheadLog(string directory, WalOptions options, WalRecovery.Result recovered)
    {
        _directory = directory;
        _options = options;
        _fs = options.FileSystem;
        _segments = recovered.Segments;
        _nextSequence = recovered.NextSequence;
        _durableSequence = recovered.NextSequence - 1;
        Recovery = recovered.Summary;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(MinimumBufferSize, WalFormat.FrameHeaderSize + options.MaxRecordSize));
        if (_segments.Count == 0)
        {
            _active = CreateSegment(_nextSequence);
        }
        else
        {
            _active = _fs.OpenFile(_segments[^1].Path, FileOpenMode.OpenReadWrite);
            _activeLength = recovered.LastSegmentEnd;
            if (_options.PreallocateSegments)
            {
                _active.Reserve(_options.SegmentSize); // a segment cut back at a torn tail, or written without preallocation
            }
        }
        _queue = new AppendQueue(options.QueueCapacity);
    }

    /// <summary>What recovery found when the log was opened.</summary>
    public WalRecoveryResult Recovery { get; }

    /// <summary>The sequence number of the oldest record still on disk (or of the next record if there is none).</summary>
    public long FirstSequence
    {
        get
        {
            lock (_gate)
            {
                return _segments[0].FirstSequence;
            }
        }
    }

    /// <summary>The sequence number the next appended record gets.</summary>
    public long NextSequence
    {
        get
        {
            lock (_gate)
            {
                return _nextSequence;
            }
        }
    }

    /// <summary>The highest sequence number known to be durable.</summary>
    public long DurableSequence
    {
        get
        {
            lock (_gate)
            {
                return _durableSequence;
            }
        }
    }

    /// <summary>
    /// Opens (creating if needed) the log in <paramref name="directory"/>, passing every recovered record to
    /// <paramref name="onRecord"/> in order before returning. A torn tail of the last segment is truncated and
    /// logged; any other damage throws.
    /// </summary>
    /// <exception cref="WalCorruptionException">The log is damaged somewhere other than its torn tail.</exception>
    public static WriteAheadLog Open(string directory, WalRecordHandler onRecord, WalOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(onRecord);
        options ??= new WalOptions();
        options.Validate();
        options.FileSystem.CreateDirectory(directory);
        WalRecovery.Result recovered = WalRecovery.Recover(directory, options, onRecord);
        WalLog.Recovered(options.Logger, directory, recovered.Summary.RecordCount, recovered.NextSequence);
        return new WriteAheadLog(directory, options, recovered);
    }

    /// <summary>
    /// Appends one record from the single-writer driver loop and returns its sequence number. The record is buffered
    /// (and possibly written) but not durable until <see cref="Sync"/> returns.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The payload is larger than <see cref="WalOptions.MaxRecordSize"/>.</exception>
    public long Append(byte type, ReadOnlySpan<byte> payload)
    {
        CheckSize(payload.Length, nameof(payload));
        lock (_gate)
        {
            ThrowIfUnusable();
            try
            {
                return AppendLocked(type, payload);
            }
            catch (Exception ex)
            {
                _fault = ex;
                throw;
            }
        }
    }

    /// <summary>
    /// Hands every record appended so far to the operating system, without an fsync: they survive this
    /// process crashing (the kernel holds them) but not the machine losing power, until <see cref="Sync"/>.
    /// </summary>
    public void Flush()
    {
        lock (_gate)
        {
            ThrowIfUnusable();
            try
            {
                WriteBufferLocked();
            }
            catch (Exception ex)
            {
                _fault = ex;
                throw;
            }
        }
    }

    /// <summary>Makes every record appended so far durable with one fsync (none if they already are).</summary>
    public void Sync()
    {
        lock (_gate)
        {
            ThrowIfUnusable();
            try
            {
                SyncLocked();
            }
            catch (Exception ex)
            {
                _fault = ex;
                throw;
            }
        }
    }

    /// <summary>
    /// Queues one record for the group-commit writer. The returned task completes with the record's sequence number
    /// only after the fsync that makes it durable. <paramref name="payload"/> must stay unchanged until then.
    /// </summary>
    /// <param name="type">The caller's record type byte.</param>
    /// <param name="payload">The record's payload.</param>
    /// <param name="cancellationToken">Cancels waiting for room in a full queue; a queued record is written regardless.</param>
    /// <exception cref="ArgumentOutOfRangeException">The payload is larger than <see cref="WalOptions.MaxRecordSize"/>.</exception>
    public ValueTask<long> AppendAsync(byte type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        CheckSize(payload.Length, nameof(payload));
        return Enqueue(PendingAppend.Rent(_pool, type, payload, default), cancellationToken);
    }

    /// <summary>
    /// Queues records to be written consecutively by the group-commit writer. The returned task completes with the
    /// last record's sequence number only after the fsync that makes them all durable.
    /// </summary>
    /// <param name="records">The records; they and their payloads must stay unchanged until the task completes.</param>
    /// <param name="cancellationToken">Cancels waiting for room in a full queue; queued records are written regardless.</param>
    /// <exception cref="ArgumentOutOfRangeException">A payload is larger than <see cref="WalOptions.MaxRecordSize"/>.</exception>
    /// <exception cref="ArgumentException">The batch is empty.</exception>
    public ValueTask<long> AppendBatchAsync(ReadOnlyMemory<WalAppend> records, CancellationToken cancellationToken = default)
    {
        if (records.IsEmpty)
        {
            throw new ArgumentException("A batch must hold at least one record.", nameof(records));
        }
        foreach (WalAppend record in records.Span)
        {
            CheckSize(record.Payload.Length, nameof(records));
        }
        return Enqueue(PendingAppend.Rent(_pool, 0, default, records), cancellationToken);
    }

    /// <summary>
    /// Deletes every segment file all of whose records have sequence numbers below <paramref name="upToSequence"/>,
    /// oldest first, then fsyncs the directory. The segment being appended to is never deleted.
    /// </summary>
    /// <returns>How many segment files were deleted.</returns>
    public int TruncatePrefix(long upToSequence)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int deleted = 0;
            while (_segments.Count > 1 && _segments[1].FirstSequence <= upToSequence)
            {
                _fs.DeleteFile(_segments[0].Path);
                WalLog.SegmentDeleted(_options.Logger, _segments[0].Path, upToSequence);
                _segments.RemoveAt(0);
                deleted++;
            }
            if (deleted > 0)
            {
                _fs.SyncDirectory(_directory);
            }
            return deleted;
        }
    }

    /// <summary>
    /// Completes the records already queued, makes records from <see cref="Append"/> durable, and closes the files.
    /// Blocks until the writer has finished its last batch.
    /// </summary>
    public void Dispose()
    {
        Thread? writer;
        lock (_lifecycle)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            writer = _writer;
        }
        _queue.Complete();
        writer?.Join();
        lock (_gate)
        {
            try
            {
                if (_fault is null)
                {
                    SyncLocked();
                }
            }
            finally
            {
                _active.Dispose();
                _queue.Dispose();
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = [];
            }
        }
    }

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private ValueTask<long> Enqueue(PendingAppend item, CancellationToken cancellationToken)
    {
        lock (_lifecycle)
        {
            if (_disposed)
            {
                item.ReturnUnused();
                throw new ObjectDisposedException(nameof(WriteAheadLog));
            }
            if (_writer is null)
            {
                _writer = new Thread(RunWriter) { IsBackground = true, Name = "WAL group commit" };
                _writer.Start();
            }
        }
        ValueTask<long> completion = item.Completion;
        ValueTask enqueued = _queue.EnqueueAsync(item, cancellationToken);
        if (enqueued.IsCompletedSuccessfully)
        {
            return completion;
        }
        return EnqueueSlowAsync(enqueued, item, completion);
    }

    private static async ValueTask<long> EnqueueSlowAsync(ValueTask enqueued, PendingAppend item, ValueTask<long> completion)
    {
        try
        {
            await enqueued.ConfigureAwait(false);
        }
        catch
        {
            item.ReturnUnused();
            throw;
        }
        return await completion.ConfigureAwait(false);
    }

    /// <summary>The group-commit loop, on its own thread: write everything queued, fsync once, then complete those callers.</summary>
    private void RunWriter()
    {
        var batch = new List<PendingAppend>();
        while (_queue.TakeAll(batch))
        {
            Exception? error = null;
            lock (_gate)
            {
                try
                {
                    if (_fault is not null)
                    {
                        throw new IOException("The write-ahead log failed earlier; reopen it.", _fault);
                    }
                    foreach (PendingAppend item in batch)
                    {
                        item.Result = WriteItemLocked(item);
                    }
                    SyncLocked();
                }
                catch (Exception ex)
                {
                    _fault ??= ex;
                    error = ex;
                }
            }
            foreach (PendingAppend item in batch)
            {
                if (error is null)
                {
                    item.SetResult(item.Result);
                }
                else
                {
                    item.SetException(error);
                }
            }
            _queue.Release(batch.Count);
            batch.Clear();
        }
    }

    private long WriteItemLocked(PendingAppend item)
    {
        if (item.Batch.IsEmpty)
        {
            return AppendLocked(item.Type, item.Payload.Span);
        }
        long last = 0;
        foreach (WalAppend record in item.Batch.Span)
        {
            last = AppendLocked(record.Type, record.Payload.Span);
        }
        return last;
    }

    private long AppendLocked(byte type, ReadOnlySpan<byte> payload)
    {
        int frameLength = WalFormat.FrameHeaderSize + payload.Length;
        long segmentLength = _activeLength + _buffered;
        if (segmentLength > WalFormat.SegmentHeaderSize && segmentLength + frameLength > _options.SegmentSize)
        {
            RollLocked();
        }
        if (_buffered + frameLength > _buffer.Length)
        {
            WriteBufferLocked();
        }
        long sequence = _nextSequence;
        WalFormat.WriteFrame(_buffer.AsSpan(_buffered, frameLength), sequence, type, payload);
        _buffered += frameLength;
        _nextSequence++;
        return sequence;
    }

    private void SyncLocked()
    {
        if (_durableSequence == _nextSequence - 1)
        {
            return;
        }
        WriteBufferLocked();
        _active.FlushDataToDisk();
        _durableSequence = _nextSequence - 1;
    }

    private void WriteBufferLocked()
    {
        if (_buffered == 0)
        {
            return;
        }
        _active.Write(_buffer.AsSpan(0, _buffered), _activeLength);
        _activeLength += _buffered;
        _buffered = 0;
    }

    private void RollLocked()
    {
        SyncLocked();
        _active.Dispose();
        _active = CreateSegment(_nextSequence);
    }

    /// <summary>
    /// Creates a segment file holding only its header (and zeros up to the segment size, if preallocating), durably
    /// (file and directory entry), and makes it active.
    /// </summary>
    private IFileHandle CreateSegment(long firstSequence)
    {
        string path = Path.Combine(_directory, SegmentFileName.Format(firstSequence));
        IFileHandle file = _fs.OpenFile(path, FileOpenMode.CreateNew);
        try
        {
            Span<byte> header = stackalloc byte[WalFormat.SegmentHeaderSize];
            WalFormat.WriteSegmentHeader(header, firstSequence);
            file.Write(header, 0);
            if (_options.PreallocateSegments)
            {
                file.Reserve(_options.SegmentSize);
            }
            file.FlushToDisk();
            _fs.SyncDirectory(_directory);
        }
        catch
        {
            file.Dispose();
            throw;
        }
        _segments.Add(new WalSegment(firstSequence, path));
        _activeLength = WalFormat.SegmentHeaderSize;
        return file;
    }

    private void CheckSize(int payloadLength, string paramName)
    {
        if (payloadLength > _options.MaxRecordSize)
        {
            throw new ArgumentOutOfRangeException(
                paramName, payloadLength, $"A record payload of {payloadLength} bytes exceeds the maximum record size of {_options.MaxRecordSize} bytes.");
        }
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_fault is not null)
        {
            throw new IOException("The write-ahead log failed earlier; reopen it.", _fault);
        }
    }
}
