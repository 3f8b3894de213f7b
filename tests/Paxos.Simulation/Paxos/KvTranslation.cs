using System.Text;
using Paxos.KeyValue;
using Paxos.Checking;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// Translates between the checker's string-valued operations and the real key-value state
/// machine's commands and results (values are UTF-8 bytes).
/// </summary>
internal static class KvTranslation
{
    /// <summary>Encodes a write with <paramref name="clientId"/>/<paramref name="requestId"/> for exactly-once, as <see cref="KeyValueCommandCodec"/> bytes.</summary>
    public static byte[] EncodeWrite(KvInput input, string clientId, ulong requestId)
    {
        KeyValueCommand command = input.Kind switch
        {
            KvOperationKind.Put => new PutCommand(input.Key, Bytes(input.Value!), clientId, requestId),
            KvOperationKind.Delete => new DeleteCommand(input.Key, clientId, requestId),
            KvOperationKind.CompareAndSwap => new CompareAndSwapCommand(
                input.Key, input.ExpectAbsent, input.ExpectAbsent ? [] : Bytes(input.Expected!), Bytes(input.Value!), clientId, requestId),
            _ => throw new ArgumentException($"{input} is not a write", nameof(input)),
        };
        return KeyValueCommandCodec.Encode(command);
    }

    /// <summary>
    /// Decodes the state machine's result of a write into what the client observed; null for a
    /// stale request (an abandoned attempt the client no longer waits for).
    /// </summary>
    /// <exception cref="SafetyViolationException">The state machine rejected a valid command.</exception>
    public static KvOutput? DecodeWriteResult(ReadOnlySpan<byte> result) => KeyValueResultCodec.Decode(result) switch
    {
        PutResult => KvOutput.PutOk,
        DeleteResult d => KvOutput.DeleteResult(d.Existed),
        CasResult c => KvOutput.CasResult(c.Succeeded, c.Found, c.Found ? Text(c.CurrentValue.Span) : null),
        StaleRequestResult => null,
        RejectedResult r => throw new SafetyViolationException($"a valid command was rejected: {r.Reason}"),
        var other => throw new SafetyViolationException($"unexpected result type {other.GetType().Name}"),
    };

    /// <summary>Reads <paramref name="key"/> from a replica's state machine as a Get's output.</summary>
    public static KvOutput Read(KeyValueStateMachine store, string key) =>
        store.TryGet(key, out ReadOnlyMemory<byte> value, out _) ? KvOutput.GetResult(true, Text(value.Span)) : KvOutput.GetResult(false, null);

    /// <summary>A short rendering of an encoded command for traces and violation reports.</summary>
    public static string DescribeCommand(ReadOnlySpan<byte> encoded)
    {
        KeyValueCommand command = KeyValueCommandCodec.Decode(encoded);
        string what = command switch
        {
            PutCommand p => $"Put({p.Key}, {KvText.Abbreviate(Text(p.Value.Span))})",
            DeleteCommand d => $"Delete({d.Key})",
            CompareAndSwapCommand c => $"CAS({c.Key}, {(c.ExpectAbsent ? "absent" : KvText.Abbreviate(Text(c.ExpectedValue.Span)))} -> {KvText.Abbreviate(Text(c.NewValue.Span))})",
            _ => command.GetType().Name,
        };
        return $"{command.ClientId}#{command.RequestId} {what}";
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
