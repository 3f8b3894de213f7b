namespace Paxos.Storage.Snapshots;

/// <summary>A write-only <see cref="Stream"/> over a <see cref="SnapshotWriter"/>, for state machines that write their snapshot to a stream.</summary>
public sealed class SnapshotWriterStream(SnapshotWriter writer) : Stream
{
    /// <inheritdoc/>
    public override bool CanRead => false;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => true;

    /// <inheritdoc/>
    public override long Length => writer.ContentLength;

    /// <inheritdoc/>
    public override long Position
    {
        get => writer.ContentLength;
        set => throw new NotSupportedException();
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => writer.Write(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer) => writer.Write(buffer);

    /// <inheritdoc/>
    public override void Flush()
    {
        // Durability comes from SnapshotWriter.Commit.
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>
/// A read-only <see cref="Stream"/> over a snapshot's content, for restoring a state machine: of a committed
/// snapshot (<see cref="SnapshotReader"/>) or of a received one before it is committed (<see cref="SnapshotWriter"/>).
/// </summary>
public sealed class SnapshotContentStream(ISnapshotContent reader) : Stream
{
    private long _position;

    /// <inheritdoc/>
    public override bool CanRead => true;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <inheritdoc/>
    public override long Length => reader.ContentLength;

    /// <inheritdoc/>
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        int read = reader.ReadContent(_position, buffer);
        _position += read;
        return read;
    }

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();
}
