using Google.Protobuf;
using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.KeyValue;
using Paxos.Node.Replication;
using Paxos.Transport.Replication;
using Wire = Paxos.Transport.V1;

namespace Paxos.Node.Hosting;

/// <summary>
/// What one gRPC message between nodes must hold, measured in the wire's own encoding, against the
/// one maximum message size (<see cref="NodeOptions.MaxMessageBytes"/>) that the server, the peer
/// channels and the outboxes' packing all use: the largest command the client API accepts (a
/// compare-and-swap of two 1 MiB values with the longest key and client id; a transaction must fit
/// it too) forwarded to the leader, its largest result (a transaction's, as long) sent back, one slot of a full batch in an Accept, and a snapshot chunk.
/// </summary>
public static class MessageBudget
{
    /// <summary>The largest command the contract accepts, encoded for the log.</summary>
    public static int LargestCommandBytes => KeyValueCommandCodec.MaxEncodedLength;

    /// <summary>The largest result a command has, encoded: a transaction's, whose gets may return up to that many bytes.</summary>
    public static int LargestResultBytes => KeyValueResultCodec.MaxEncodedLength;

    /// <summary>The most command bytes the leader batches into one slot (<see cref="ReplicaOptions.MaxBatchBytes"/>): the largest command fits alone.</summary>
    public static int MaxBatchBytes => LargestCommandBytes;

    private static readonly Ballot LargestBallot = new(ulong.MaxValue, 30);

    /// <summary>
    /// Why messages of the largest command, result, batch or snapshot chunk would not fit into
    /// <paramref name="maxMessageBytes"/> with their framing, or null if they all fit.
    /// </summary>
    /// <param name="maxMessageBytes">The largest message a node sends or accepts.</param>
    /// <param name="maxBatchCommands">The most commands in one slot (<see cref="ReplicaOptions.MaxBatchCommands"/>): each adds framing.</param>
    public static string? Problem(int maxMessageBytes, int maxBatchCommands)
    {
        var needs = new (string What, long Bytes)[]
        {
            ($"the largest command ({LargestCommandBytes} bytes) forwarded to the leader", Delivery(new ForwardProposal(30, 30, ulong.MaxValue, new byte[LargestCommandBytes]))),
            ($"the largest result ({LargestResultBytes} bytes) sent back", Delivery(new ForwardResult(30, 30, ulong.MaxValue, ForwardStatus.Applied, ulong.MaxValue, ulong.MaxValue, new byte[LargestResultBytes], 30))),
            ($"an Accept of one slot of {MaxBatchBytes} bytes in up to {maxBatchCommands} commands", FullSlotAcceptBytes(maxBatchCommands, maxMessageBytes)),
            ($"a snapshot chunk of {SnapshotSender.ChunkBytes} bytes", LargestSnapshotChunk().CalculateSize()),
        };
        foreach (var (what, bytes) in needs)
        {
            if (bytes > maxMessageBytes)
            {
                return $"the maximum message size ({maxMessageBytes} bytes) is too small: {what} takes {bytes} bytes encoded";
            }
        }
        return null;
    }

    private static Wire.SnapshotChunk LargestSnapshotChunk() => new()
    {
        FromNode = 30,
        Index = ulong.MaxValue,
        Metadata = ByteString.CopyFrom(new byte[ReplicaSnapshots.MaxMetadataSize]),
        Data = UnsafeByteOperations.UnsafeWrap(new byte[SnapshotSender.ChunkBytes]),
        Last = true,
    };

    private static int Delivery(ReplicaMessage message)
    {
        var request = new Wire.DeliverRequest { FromNode = 30, ToNode = 30 };
        request.Messages.Add(ReplicaWire.ToWire(message));
        return request.CalculateSize();
    }

    /// <summary>
    /// An upper bound on a delivery of one Accept carrying one full slot: measured with empty
    /// commands, plus the batch's bytes and the most each command's, and each enclosing message's,
    /// length prefix can grow.
    /// </summary>
    private static long FullSlotAcceptBytes(int maxBatchCommands, int maxMessageBytes)
    {
        var commands = new ReadOnlyMemory<byte>[maxBatchCommands];
        Array.Fill(commands, ReadOnlyMemory<byte>.Empty);
        var entry = new LogEntry(ulong.MaxValue, LargestBallot, new SlotValue(commands, LargestBallot));
        int skeleton = Delivery(new Accept(30, 30, LargestBallot, ulong.MaxValue, [entry]));
        int prefix = CodedOutputStream.ComputeLengthSize(maxMessageBytes);
        const int EnclosingMessages = 3; // the slot entry in the Accept, the Accept in its ReplicaMessage, that in the delivery
        return skeleton + (long)MaxBatchBytes + ((long)maxBatchCommands * (prefix - 1)) + (EnclosingMessages * prefix);
    }
}
