using System.Buffers.Binary;
using Paxos.Core;
using Paxos.Storage.Snapshots;

namespace Paxos.Node.Replication;

/// <summary>
/// Snapshots of the replicated state machine: taken every so many applied slots so the log before
/// them can be deleted, restored at start-up, and received from the leader by a replica that lags
/// behind the leader's compacted log. A snapshot covers every slot up to its index; its metadata
/// records the index of the last command it reflects, so command indexes continue seamlessly.
/// </summary>
public sealed class ReplicaSnapshots(SnapshotStore store)
{
    /// <summary>The metadata's length: the command index, 8 bytes.</summary>
    internal const int MetadataSize = sizeof(ulong);

    /// <summary>The latest snapshot, verified, or null if there is none.</summary>
    public SnapshotReader? OpenLatest() => store.OpenLatest();

    /// <summary>Writes the state machine's snapshot at <paramref name="slot"/> durably; returns its content's size in bytes.</summary>
    public long Take(IStateMachine stateMachine, ulong slot, ulong commandIndex)
    {
        using var writer = store.BeginWrite(checked((long)slot), EncodeMetadata(commandIndex));
        using (var stream = new SnapshotWriterStream(writer))
        {
            stateMachine.WriteSnapshot(stream);
        }
        writer.Commit();
        return writer.ContentLength;
    }

    /// <summary>Starts receiving a snapshot sent by the leader; hand it to the replica node, which restores it and only then commits it.</summary>
    public SnapshotWriter BeginReceive(ulong slot, ReadOnlySpan<byte> metadata)
    {
        if (metadata.Length != MetadataSize)
        {
            throw new InvalidDataException($"snapshot metadata has {metadata.Length} bytes, expected {MetadataSize}");
        }
        return store.BeginWrite(checked((long)slot), metadata);
    }

    /// <summary>Restores <paramref name="stateMachine"/> from <paramref name="reader"/>; returns (slot, command index) it reflects.</summary>
    public static (ulong Slot, ulong CommandIndex) Restore(IStateMachine stateMachine, SnapshotReader reader)
    {
        using (var stream = new SnapshotContentStream(reader))
        {
            stateMachine.RestoreSnapshot(stream);
        }
        return ((ulong)reader.Index, DecodeMetadata(reader.Metadata.Span, reader.FilePath));
    }

    /// <summary>
    /// Restores <paramref name="stateMachine"/> from a received snapshot that is not committed yet; returns (slot,
    /// command index) it reflects. Throws whatever the state machine throws on content it cannot parse.
    /// </summary>
    public static (ulong Slot, ulong CommandIndex) Restore(IStateMachine stateMachine, SnapshotWriter received)
    {
        using (var stream = new SnapshotContentStream(received))
        {
            stateMachine.RestoreSnapshot(stream);
        }
        return ((ulong)received.Index, BinaryPrimitives.ReadUInt64LittleEndian(received.Metadata.Span)); // its length was checked by BeginReceive
    }

    private static byte[] EncodeMetadata(ulong commandIndex)
    {
        var metadata = new byte[MetadataSize];
        BinaryPrimitives.WriteUInt64LittleEndian(metadata, commandIndex);
        return metadata;
    }

    private static ulong DecodeMetadata(ReadOnlySpan<byte> metadata, string path) =>
        metadata.Length == MetadataSize
            ? BinaryPrimitives.ReadUInt64LittleEndian(metadata)
            : throw new SnapshotCorruptionException(path, $"metadata has {metadata.Length} bytes, expected {MetadataSize}");
}
