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
    public bool IsAllZero()
    {
        for (long offset = 0; offset < Length; offset += _window.Length)
        {
            int count = (int)Math.Min(_window.Length, Length - offset);
            if (!TryRead(offset, count, out ReadOnlySpan<byte> data) || data.ContainsAnyExcept((byte)0))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Whether a checksum-valid frame starts anywhere after <paramref name="offset"/>.</summary>
    public bool ValidFrameFollows(long offset)
    {
        for (long candidate = offset + 1; candidate + WalFormat.FrameHeaderSize <= Length; candidate++)
        {
            if (TryReadFrame(candidate, out _) == FrameStatus.Valid)
            {
                return true;
            }
        }
        return false;
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
