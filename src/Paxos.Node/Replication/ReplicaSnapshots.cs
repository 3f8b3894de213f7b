using System.Buffers.Binary;
using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.Storage.Replication;
using Paxos.Storage.Snapshots;

namespace Paxos.Node.Replication;

/// <summary>What a snapshot reflects: every slot up to <paramref name="Slot"/>, commands up to <paramref name="CommandIndex"/>, and the membership chosen as of the slot.</summary>
internal readonly record struct SnapshotPoint(ulong Slot, ulong CommandIndex, Membership Membership);

/// <summary>
/// Snapshots of the replicated state machine: taken every so many applied slots so the log before
/// them can be deleted, restored at start-up, and received from the leader by a replica that lags
/// behind the leader's compacted log. A snapshot covers every slot up to its index; its metadata
/// records the index of the last command it reflects, so command indexes continue seamlessly, and
/// the membership chosen as of its index, so the membership travels with it. Metadata (little-endian):
/// command index u64, format u8 (1), the membership (<see cref="MembershipCodec"/>). A snapshot
/// written before memberships were kept has the command index alone; its membership is the founding
/// one the node was configured with.
/// </summary>
public sealed class ReplicaSnapshots(SnapshotStore store)
{
    /// <summary>The most bytes of metadata: the command index, the format and the largest membership.</summary>
    internal const int MaxMetadataSize = OldMetadataSize + 1 + MembershipCodec.MaxLength;

    /// <summary>The metadata of a snapshot written before memberships were kept: the command index alone.</summary>
    private const int OldMetadataSize = sizeof(ulong);

    private const byte MembershipFormat = 1;

    /// <summary>The latest snapshot, verified, or null if there is none.</summary>
    public SnapshotReader? OpenLatest() => store.OpenLatest();

    /// <summary>
    /// Writes a snapshot at <paramref name="slot"/> whose content <paramref name="content"/> writes (the state machine's
    /// <see cref="IStateMachine.WriteSnapshot"/>, or the writer of its <see cref="IStateMachine.CaptureSnapshot"/>), with
    /// the membership chosen as of it, durably; returns its content's size in bytes.
    /// </summary>
    public long Take(Action<Stream> content, ulong slot, ulong commandIndex, Membership membership)
    {
        ArgumentNullException.ThrowIfNull(content);
        Invariant.Check(membership.Slot <= slot, "a snapshot's membership was chosen at or below its slot");
        using var writer = store.BeginWrite(checked((long)slot), EncodeMetadata(commandIndex, membership));
        using (var stream = new SnapshotWriterStream(writer))
        {
            content(stream);
        }
        writer.Commit();
        return writer.ContentLength;
    }

    /// <summary>
    /// Starts receiving a snapshot sent by the leader; check its content with <see cref="CheckReceived"/> once it is all
    /// written, then hand it to the replica node, which restores it and only then commits it. Throws
    /// <see cref="InvalidDataException"/> if the metadata does not match the checksum its sender gave (if it gave
    /// one), does not parse, or names a membership that is invalid or newer than <paramref name="slot"/>.
    /// </summary>
    public SnapshotWriter BeginReceive(ulong slot, ReadOnlySpan<byte> metadata) => BeginReceive(slot, metadata, metadataCrc: null);

    /// <inheritdoc cref="BeginReceive(ulong, ReadOnlySpan{byte})"/>
    /// <param name="slot">The last slot the snapshot covers.</param>
    /// <param name="metadata">The snapshot's metadata.</param>
    /// <param name="metadataCrc">The CRC-32C of the metadata, as its sender computed it; null from a sender too old to give one.</param>
    public SnapshotWriter BeginReceive(ulong slot, ReadOnlySpan<byte> metadata, uint? metadataCrc)
    {
        if (metadataCrc is { } expected && !PlantTrustTransfer && Crc32C.Compute(metadata) != expected)
        {
            throw new InvalidDataException($"the snapshot at slot {slot} arrived with metadata that does not match its sender's checksum");
        }
        if (metadata.Length > OldMetadataSize)
        {
            DecodeMembership(slot, metadata);
        }
        else if (metadata.Length != OldMetadataSize)
        {
            throw new InvalidDataException($"snapshot metadata has {metadata.Length} bytes, expected {OldMetadataSize} or more");
        }
        return store.BeginWrite(checked((long)slot), metadata);
    }

    /// <summary>
    /// Checks a received snapshot's content against the checksum its sender read from its own snapshot file
    /// (<paramref name="contentCrc"/>; null from a sender too old to give one), so that bytes damaged on the way
    /// are refused rather than restored: the receiver's file gets a checksum of its own, of whatever arrived.
    /// </summary>
    /// <exception cref="InvalidDataException">The content does not match.</exception>
    public void CheckReceived(SnapshotWriter received, uint? contentCrc)
    {
        ArgumentNullException.ThrowIfNull(received);
        if (contentCrc is { } expected && !PlantTrustTransfer && received.ContentCrc != expected)
        {
            throw new InvalidDataException($"the snapshot at slot {received.Index} arrived with {received.ContentLength} content bytes that do not match its sender's checksum");
        }
    }

    /// <summary>Test hook (the simulator's planted bug): received snapshots are not checked against their sender's checksums.</summary>
    internal bool PlantTrustTransfer { get; init; }

    /// <summary>Restores <paramref name="stateMachine"/> from <paramref name="reader"/>; an old snapshot's membership is <paramref name="founding"/>.</summary>
    /// <exception cref="SnapshotCorruptionException">The metadata does not parse.</exception>
    internal static SnapshotPoint Restore(IStateMachine stateMachine, SnapshotReader reader, Membership founding)
    {
        SnapshotPoint point;
        try
        {
            point = DecodeMetadata((ulong)reader.Index, reader.Metadata.Span, founding);
        }
        catch (InvalidDataException e)
        {
            throw new SnapshotCorruptionException(reader.FilePath, e.Message);
        }
        using (var stream = new SnapshotContentStream(reader))
        {
            stateMachine.RestoreSnapshot(stream);
        }
        return point;
    }

    /// <summary>
    /// Restores <paramref name="stateMachine"/> from a received snapshot that is not committed yet (its metadata
    /// was checked by <see cref="BeginReceive(ulong, ReadOnlySpan{byte}, uint?)"/>); an old snapshot's membership is <paramref name="founding"/>.
    /// Throws whatever the state machine throws on content it cannot parse.
    /// </summary>
    internal static SnapshotPoint Restore(IStateMachine stateMachine, SnapshotWriter received, Membership founding)
    {
        SnapshotPoint point = DecodeMetadata((ulong)received.Index, received.Metadata.Span, founding);
        using (var stream = new SnapshotContentStream(received))
        {
            stateMachine.RestoreSnapshot(stream);
        }
        return point;
    }

    private static byte[] EncodeMetadata(ulong commandIndex, Membership membership)
    {
        var metadata = new byte[OldMetadataSize + 1 + MembershipCodec.Length(membership)];
        BinaryPrimitives.WriteUInt64LittleEndian(metadata, commandIndex);
        metadata[OldMetadataSize] = MembershipFormat;
        MembershipCodec.Write(membership, metadata.AsSpan(OldMetadataSize + 1));
        return metadata;
    }

    private static SnapshotPoint DecodeMetadata(ulong slot, ReadOnlySpan<byte> metadata, Membership founding)
    {
        if (metadata.Length < OldMetadataSize)
        {
            throw new InvalidDataException($"snapshot metadata has {metadata.Length} bytes, expected {OldMetadataSize} or more");
        }
        ulong commandIndex = BinaryPrimitives.ReadUInt64LittleEndian(metadata);
        return new SnapshotPoint(slot, commandIndex, metadata.Length == OldMetadataSize ? founding : DecodeMembership(slot, metadata));
    }

    private static Membership DecodeMembership(ulong slot, ReadOnlySpan<byte> metadata)
    {
        if (metadata[OldMetadataSize] != MembershipFormat)
        {
            throw new InvalidDataException($"snapshot metadata has format {metadata[OldMetadataSize]}, expected {MembershipFormat}");
        }
        Membership membership = MembershipCodec.Read(metadata[(OldMetadataSize + 1)..]);
        if (membership.Slot > slot)
        {
            throw new InvalidDataException($"the snapshot at slot {slot} names the membership chosen at slot {membership.Slot}, above it");
        }
        return membership;
    }
}
