namespace Paxos.Storage.Snapshots;

/// <summary>A write-only <see cref="Stream"/> over a <see cref="SnapshotWriter"/>, for state machines that write their snapshot to a stream.</summary>
public sealed class SnapshotWriterStream(SnapshotWriter writer) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => writer.ContentLength;

    public override long Position
    {
        get => writer.ContentLength;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => writer.Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer) => writer.Write(buffer);

    public override void Flush()
    {
        // Durability comes from SnapshotWriter.Commit.
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>
/// A read-only <see cref="Stream"/> over a snapshot's content, for restoring a state machine: of a committed
/// snapshot (<see cref="SnapshotReader"/>) or of a received one before it is committed (<see cref="SnapshotWriter"/>).
/// </summary>
public sealed class SnapshotContentStream(ISnapshotContent reader) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => reader.ContentLength;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read = reader.ReadContent(_position, buffer);
        _position += read;
        return read;
    }

    public override void Flush()
    {
    }

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
