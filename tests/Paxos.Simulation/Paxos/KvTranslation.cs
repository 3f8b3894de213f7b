using System.Text;
using Paxos.KeyValue;
using Paxos.Checking;
using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Paxos;

/// <summary>
/// Translates between the checker's string-valued operations and the real key-value state
/// machine's commands and results (values are UTF-8 bytes).
/// </summary>
internal static class KvTranslation
{
    /// <summary>
    /// Encodes a write with <paramref name="clientId"/>/<paramref name="requestId"/> for exactly-once, as <see cref="KeyValueCommandCodec"/> bytes
    /// (with <see cref="PlantedBug.TxnHalf"/>, a Txn's success branch without its write to the second key).
    /// </summary>
    public static byte[] EncodeWrite(KvInput input, string clientId, ulong requestId, PlantedBug bug)
    {
        KeyValueCommand command = input.Kind switch
        {
            KvOperationKind.Put => new PutCommand(input.Key, Bytes(input.Value!), clientId, requestId, input.Lease),
            KvOperationKind.Txn => Txn(input, clientId, requestId, bug == PlantedBug.TxnHalf),
            KvOperationKind.LeaseGrant => new LeaseGrantCommand(input.TtlMilliseconds, clientId, requestId),
            KvOperationKind.LeaseRevoke => new LeaseRevokeCommand(input.Lease, clientId, requestId),
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
        LeaseNotFoundResult => KvOutput.PutLeaseNotFound,
        TxnResult { Succeeded: true } => KvOutput.TxnResult(true, false, null),
        TxnResult { Results: [GetResult read] } => KvOutput.TxnResult(false, read.Found, read.Found ? Text(read.Value.Span) : null),
        LeaseGrantResult grant => KvOutput.LeaseGranted(grant.LeaseId),
        LeaseRevokeResult revoke => KvOutput.LeaseFound(revoke.Found),
        DeleteResult d => KvOutput.DeleteResult(d.Existed),
        CasResult c => KvOutput.CasResult(c.Succeeded, c.Found, c.Found ? Text(c.CurrentValue.Span) : null),
        StaleRequestResult => null,
        RejectedResult r => throw new SafetyViolationException($"a valid command was rejected: {r.Reason}"),
        var other => throw new SafetyViolationException($"unexpected result type {other.GetType().Name}"),
    };

    /// <summary>Reads <paramref name="key"/> from a replica's state machine as a Get's output.</summary>
    public static KvOutput Read(KeyValueStateMachine store, string key) =>
        store.TryGet(key, out ReadOnlyMemory<byte> value, out ulong index) ? KvOutput.GetResult(true, Text(value.Span)) with { Index = index } : KvOutput.GetResult(false, null);

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

    private static TxnCommand Txn(KvInput input, string clientId, ulong requestId, bool half)
    {
        TxnCompare compare = input.Compare switch
        {
            TxnCompareKind.Value => TxnCompare.OnValue(input.Key, CompareOperator.Equal, Bytes(input.Expected!)),
            TxnCompareKind.Index => TxnCompare.OnIndex(input.Key, CompareOperator.Equal, input.ExpectedIndex),
            TxnCompareKind.Exists => TxnCompare.OnExists(input.Key, CompareOperator.Equal, true),
            _ => TxnCompare.OnExists(input.Key, CompareOperator.Equal, false),
        };
        List<TxnOperation> success = [new TxnPut(input.Key, Bytes(input.Value!))];
        if (!half)
        {
            success.Add(input.SecondValue is { } second ? new TxnPut(input.SecondKey!, Bytes(second)) : new TxnDelete(input.SecondKey!));
        }

        return new TxnCommand([compare], success, [new TxnGet(input.Key)], clientId, requestId);
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
