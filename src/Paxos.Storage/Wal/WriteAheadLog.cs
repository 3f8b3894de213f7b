using System.Buffers;
using Paxos.Core;
using Paxos.Storage.Files;

namespace Paxos.Storage.Wal;

/// <summary>
/// A write-ahead log of opaque records (a type byte and payload bytes) in append-only segment files, with group
/// commit: its one writer <see cref="Append"/>s any number of records and then makes them all durable with one
/// fsync (<see cref="Sync"/>); a record is durable only once a <see cref="Sync"/> after its append has returned.
/// </summary>
/// <remarks>
/// <para>
/// Single writer: the log takes no locks, so its members (properties included) must be used by one caller at a
/// time, such as a driver loop (which may move between threads, but never runs two calls at once). Calls that
/// overlap are a bug: those that change the log detect it and throw <see cref="InvariantViolationException"/>.
/// </para>
/// <para>
/// The log assigns each record its sequence number: consecutive, starting at 1 in a new log, continuing after the
/// last recovered record on reopen. <see cref="Append"/> returns it.
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
/// If writing or fsyncing fails, the log is faulted: every later append, flush and sync fails with that error,
/// because after a failed fsync it is unknown what reached the disk. Reopen the log to recover.
/// </para>
/// </remarks>
public sealed class WriteAheadLog : IAsyncDisposable, IDisposable
{
    private const int MinimumBufferSize = 256 * 1024;

    private readonly string _directory;
    private readonly WalOptions _options;
    private readonly IFileSystem _fs;
    private readonly List<WalSegment> _segments;
    private byte[] _buffer;
    private int _buffered;
    private IFileHandle _active;
    private long _activeLength;
    private long _nextSequence;
    private long _durableSequence;
    private Exception? _fault;
    private bool _disposed;
    private int _writing; // 1 while a call that changes the log runs: overlapping calls break the single-writer rule

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
    }

    /// <summary>What recovery found when the log was opened.</summary>
    public WalRecoveryResult Recovery { get; }

    /// <summary>The sequence number of the oldest record still on disk (or of the next record if there is none).</summary>
    public long FirstSequence => _segments[0].FirstSequence;

    /// <summary>The sequence number the next appended record gets.</summary>
    public long NextSequence => _nextSequence;

    /// <summary>The highest sequence number known to be durable.</summary>
    public long DurableSequence => _durableSequence;

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
    /// Appends one record and returns its sequence number. The record is buffered (and possibly written) but not
    /// durable until <see cref="Sync"/> returns.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The payload is larger than <see cref="WalOptions.MaxRecordSize"/>.</exception>
    public long Append(byte type, ReadOnlySpan<byte> payload)
    {
        CheckSize(payload.Length, nameof(payload));
        using WriterCall call = EnterUsable();
        try
        {
            return AppendRecord(type, payload);
        }
        catch (Exception ex)
        {
            _fault = ex;
            throw;
        }
    }

    /// <summary>
    /// Hands every record appended so far to the operating system, without an fsync: they survive this
    /// process crashing (the kernel holds them) but not the machine losing power, until <see cref="Sync"/>.
    /// </summary>
    public void Flush() => Write(durably: false);

    /// <summary>Makes every record appended so far durable with one fsync (none if they already are).</summary>
    public void Sync() => Write(durably: true);

    /// <summary>
    /// Deletes every segment file all of whose records have sequence numbers below <paramref name="upToSequence"/>,
    /// oldest first, then fsyncs the directory. The segment being appended to is never deleted.
    /// </summary>
    /// <returns>How many segment files were deleted.</returns>
    public int TruncatePrefix(long upToSequence)
    {
        using WriterCall call = new(this);
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

    /// <summary>Makes records from <see cref="Append"/> durable (unless the log is faulted) and closes the files.</summary>
    public void Dispose()
    {
        using WriterCall call = new(this);
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        try
        {
            if (_fault is null)
            {
                SyncToDisk();
            }
        }
        finally
        {
            _active.Dispose();
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary><see cref="Flush"/> or, <paramref name="durably"/>, <see cref="Sync"/>.</summary>
    private void Write(bool durably)
    {
        using WriterCall call = EnterUsable();
        try
        {
            if (durably)
            {
                SyncToDisk();
            }
            else
            {
                WriteBuffer();
            }
        }
        catch (Exception ex)
        {
            _fault = ex;
            throw;
        }
    }

    private long AppendRecord(byte type, ReadOnlySpan<byte> payload)
    {
        int frameLength = WalFormat.FrameHeaderSize + payload.Length;
        long segmentLength = _activeLength + _buffered;
        if (segmentLength > WalFormat.SegmentHeaderSize && segmentLength + frameLength > _options.SegmentSize)
        {
            Roll();
        }
        if (_buffered + frameLength > _buffer.Length)
        {
            WriteBuffer();
        }
        long sequence = _nextSequence;
        WalFormat.WriteFrame(_buffer.AsSpan(_buffered, frameLength), sequence, type, payload);
        _buffered += frameLength;
        _nextSequence++;
        return sequence;
    }

    private void SyncToDisk()
    {
        if (_durableSequence == _nextSequence - 1)
        {
            return;
        }
        WriteBuffer();
        _active.FlushDataToDisk();
        _durableSequence = _nextSequence - 1;
    }

    private void WriteBuffer()
    {
        if (_buffered == 0)
        {
            return;
        }
        _active.Write(_buffer.AsSpan(0, _buffered), _activeLength);
        _activeLength += _buffered;
        _buffered = 0;
    }

    private void Roll()
    {
        SyncToDisk();
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

    /// <summary>Starts a call that writes: the log must be neither disposed nor faulted.</summary>
    private WriterCall EnterUsable()
    {
        var call = new WriterCall(this);
        if (_disposed || _fault is not null)
        {
            call.Dispose();
            ObjectDisposedException.ThrowIf(_disposed, this);
            throw new IOException("The write-ahead log failed earlier; reopen it.", _fault);
        }
        return call;
    }

    /// <summary>
    /// Marks a call that changes the log as running, for its duration, and fails one that starts while another
    /// runs: a cheap check of the single-writer rule (an atomic exchange, never a wait), not a lock.
    /// </summary>
    private readonly ref struct WriterCall
    {
        private readonly WriteAheadLog _log;

        public WriterCall(WriteAheadLog log)
        {
            Invariant.Check(Interlocked.Exchange(ref log._writing, 1) == 0, "a write-ahead log has a single writer, but two calls overlapped");
            _log = log;
        }

        public void Dispose() => Volatile.Write(ref _log._writing, 0);
    }
}
