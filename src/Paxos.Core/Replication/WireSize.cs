namespace Paxos.Core.Replication;

/// <summary>
/// Upper bounds on the protobuf encoding of replica messages (paxos.proto's <c>DeliverRequest</c>,
/// <c>ReplicaMessage</c>, <c>SlotEntry</c>), kept in this one place so that the core can cut messages
/// to <see cref="ReplicaOptions.MaxMessageBytes"/> without knowing protobuf. A transport test checks
/// them against <c>CalculateSize</c> at their extremes.
/// </summary>
public static class WireSize
{
    /// <summary>
    /// A <c>SlotEntry</c> beyond its commands: its tag and length in the message (1 + 5), the slot
    /// (1 + 10), the ballot and the origin (each 1 + 1, then round 1 + 10 and node index 1 + 10).
    /// </summary>
    public const int EntryOverheadBytes = 72;

    /// <summary>One command's tag and length prefix (1 + 5).</summary>
    public const int CommandOverheadBytes = 6;

    /// <summary>
    /// One message less its entries: the delivery envelope (two node numbers, 2 × 11, and the
    /// message's tag and length, 1 + 5), the body's tag and length (2 + 5) and its scalar fields
    /// (at most a ballot, 24, and four 64-bit numbers, 4 × 11), with room to spare.
    /// </summary>
    public const int MessageOverheadBytes = 256;

    /// <summary>Bound on the encoded size of <paramref name="entry"/>.</summary>
    public static long Of(LogEntry entry) =>
        EntryBound(entry.Value.Commands.Count, entry.Value.ByteCount) + (entry.Value.Membership?.EncodedBound() ?? 0);

    /// <summary>Bound on the encoded size of an entry of <paramref name="commands"/> commands totalling <paramref name="commandBytes"/> bytes.</summary>
    public static long EntryBound(int commands, long commandBytes) =>
        EntryOverheadBytes + ((long)CommandOverheadBytes * commands) + commandBytes;
}
