using Paxos.KeyValue;

namespace Paxos.Fuzz.Afl;

/// <summary>
/// The key-value command codec, what the log carries: a command decodes to its only encoding or is
/// a <see cref="FormatException"/>; and the store applies any bytes as a command without throwing
/// (every replica applies every chosen command, whatever a node put in the log).
/// </summary>
public static class CommandCodecTarget
{
    public static IReadOnlyList<KeyValueCommand> Commands { get; } =
    [
        new PutCommand("key", "value"u8.ToArray(), "client", 7),
        new DeleteCommand("key", "", 0),
        new CompareAndSwapCommand("key", false, "old"u8.ToArray(), "new"u8.ToArray(), "c", 1),
        new CompareAndSwapCommand("ключ", true, [], new byte[300], "", 0),
        new TxnCommand(
            [TxnCompare.OnValue("a", CompareOperator.Less, [1, 2]), TxnCompare.OnIndex("b", CompareOperator.Greater, 9), TxnCompare.OnExists("c", CompareOperator.Equal, true)],
            [new TxnPut("a", [3]), new TxnDelete("b"), new TxnGet("c")],
            [new TxnGet("a")],
            "txn",
            3),
    ];

    public static FuzzTarget Target { get; } = new("command-codec", () => [.. Commands.Select(KeyValueCommandCodec.Encode)], Take, typeof(FormatException));

    private static void Take(byte[] input)
    {
        var store = new KeyValueStateMachine();
        KeyValueResultCodec.Decode(store.Apply(1, input));
        if (!input.AsSpan().SequenceEqual(KeyValueCommandCodec.Encode(KeyValueCommandCodec.Decode(input))))
        {
            throw new InvalidOperationException("a command decoded to another encoding than its own");
        }
    }
}
