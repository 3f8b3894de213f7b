using System.Buffers;
using Paxos.Storage.Files;

namespace Paxos.Storage.Wal;

/// <summary>Reads frames out of one segment file through a pooled read-ahead window, for recovery.</summary>
internal sealed class SegmentScanner : IDisposable
{
    private readonly IFileHandle _file;
    private readonly int _maxRecordSize;
    private byte[] _window;
    private long _windowStart;
    private int _windowCount;

    public SegmentScanner(IFileHandle file, int maxRecordSize)
    {
        _file = file;
        _maxRecordSize = maxRecordSize;
        Length = file.Length;
        _window = ArrayPool<byte>.Shared.Rent(Math.Max(64 * 1024, WalFormat.FrameHeaderSize + maxRecordSize));
    }

    /// <summary>The file's length when the scanner was created.</summary>
    public long Length { get; }

    /// <summary>Gets <paramref name="count"/> bytes at <paramref name="offset"/>, or returns false if the file ends first.</summary>
    public bool TryRead(long offset, int count, out ReadOnlySpan<byte> data)
    {
        data = default;
        if (offset + count > Length)
        {
            return false;
        }
        if (offset < _windowStart || offset + count > _windowStart + _windowCount)
        {
            int toRead = (int)Math.Min(_window.Length, Length - offset);
            _windowStart = offset;
            _windowCount = _file.Read(_window.AsSpan(0, toRead), offset);
            if (_windowCount < count)
            {
                return false;
            }
        }
        data = _window.AsSpan((int)(offset - _windowStart), count);
        return true;
    }

    /// <summary>Parses the frame at <paramref name="offset"/>.</summary>
    /// <param name="offset">Where the frame should start.</param>
    /// <param name="frame">The whole frame if the result is <see cref="FrameStatus.Valid"/>.</param>
    public FrameStatus TryReadFrame(long offset, out ReadOnlySpan<byte> frame)
    {
        frame = default;
        if (!TryRead(offset, WalFormat.FrameHeaderSize, out ReadOnlySpan<byte> header))
        {
            return FrameStatus.Incomplete;
        }
        uint payloadLength = WalFormat.ReadPayloadLength(header);
        if (payloadLength > (uint)_maxRecordSize)
        {
            return FrameStatus.BadLength;
        }
        if (!TryRead(offset, WalFormat.FrameHeaderSize + (int)payloadLength, out frame))
        {
            return FrameStatus.Incomplete;
        }
        return WalFormat.FrameChecksumMatches(frame) ? FrameStatus.Valid : FrameStatus.BadChecksum;
    }

    /// <summary>Whether every byte of the file is zero (as after a crash that kept a file's length but not its data).</summary>
    public bool IsAllZero() => NextNonZero(0, Length) == Length;

    /// <summary>
    /// Where the file's data ends, looking from <paramref name="offset"/> on: just after its last non-zero byte, or
    /// <paramref name="offset"/> itself if only zeros follow.
    /// </summary>
    public long EndOfData(long offset)
    {
        long end = offset;
        for (long start = offset; start < Length; start += _window.Length)
        {
            int count = (int)Math.Min(_window.Length, Length - start);
            if (!TryRead(start, count, out ReadOnlySpan<byte> data))
            {
                return Length; // the file is shorter than it said: treat the rest as data, never as a clean end
            }
            int last = data.LastIndexOfAnyExcept((byte)0);
            if (last >= 0)
            {
                end = start + last + 1;
            }
        }
        return end;
    }

    /// <summary>
    /// Whether a checksum-valid frame starts after <paramref name="offset"/> and before <paramref name="dataEnd"/>
    /// (the end of the data, see <see cref="EndOfData"/>: a frame starting at or after it would be all zeros, which
    /// is never valid).
    /// </summary>
    public bool ValidFrameFollows(long offset, long dataEnd)
    {
        long candidate = offset + 1;
        while (candidate < dataEnd && candidate + WalFormat.FrameHeaderSize <= Length)
        {
            // A frame header of zeros is never valid (its stored checksum, zero, is not the CRC-32C of its zero fields),
            // so a valid frame starts at most a header's length before a non-zero byte: skip runs of zeros.
            long nonZero = NextNonZero(candidate, dataEnd);
            if (nonZero - candidate >= WalFormat.FrameHeaderSize)
            {
                candidate = nonZero - WalFormat.FrameHeaderSize + 1;
                continue;
            }
            if (TryReadFrame(candidate, out _) == FrameStatus.Valid)
            {
                return true;
            }
            candidate++;
        }
        return false;
    }

    /// <summary>The offset of the first non-zero byte at or after <paramref name="offset"/>, or <paramref name="end"/> if there is none before it.</summary>
    private long NextNonZero(long offset, long end)
    {
        for (long start = offset; start < end; start += _window.Length)
        {
            int count = (int)Math.Min(_window.Length, end - start);
            if (!TryRead(start, count, out ReadOnlySpan<byte> data))
            {
                return start;
            }
            int index = data.IndexOfAnyExcept((byte)0);
            if (index >= 0)
            {
                return start + index;
            }
        }
        return end;
    }

    public void Dispose()
    {
        if (_window.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_window);
            _window = [];
        }
    }
}
