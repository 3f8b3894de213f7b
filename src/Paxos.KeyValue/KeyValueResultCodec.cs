namespace Paxos.KeyValue;

/// <summary>
/// Binary encoding of <see cref="KeyValueResult"/>s, the bytes returned by
/// <see cref="KeyValueStateMachine.Apply"/>. Format version 1, primitives as in
/// <see cref="KeyValueCommandCodec"/>:
/// <code>
/// result = version:u8(=1) tag:u8 body
/// body   = index:u64                                     ; tag 1, Put
///        | flags:u8 index:u64                            ; tag 2, Delete, flags bit 0 = existed
///        | flags:u8 index:u64 current_value:bytes        ; tag 3, CompareAndSwap, bit 0 = succeeded, bit 1 = found
///        | latest_request_id:u64                         ; tag 4, StaleRequest
///        | reason:string                                 ; tag 5, Rejected
///        | flags:u8 index:u64 value:bytes                ; tag 6, Get (inside a transaction), bit 0 = found
///        | flags:u8 index:u64 count:varint { tag:u8 body } ; tag 7, Txn, bit 0 = succeeded; inner tags 1, 2 and 6 only
///        | lease:u64 ttl_ms:u64                          ; tag 8, LeaseGrant
///        | flags:u8 index:u64                            ; tag 9, LeaseRevoke (also of an expiry), bit 0 = found
///        | lease:u64                                     ; tag 10, LeaseNotFound
///        | epoch:ballot                                  ; tag 11, LeaseEpoch
///        | reason:string                                 ; tag 12, Exhausted
/// </code>
/// Tags 6 and 7 were added after tags 1 to 5, and 8 to 12 after those, without changing their bytes. Decoding is strict and
/// throws <see cref="FormatException"/> for anything else.
/// </summary>
public static class KeyValueResultCodec
{
    /// <summary>The format version written by this codec and the only one it reads.</summary>
    public const byte FormatVersion = 1;

    /// <summary>
    /// The longest result the state machine returns: as long as the longest command
    /// (<see cref="KeyValueCommandCodec.MaxEncodedLength"/>), so the node's message budget for one
    /// covers the other. A compare-and-swap's result (at most a 1 MiB value) is shorter; a
    /// transaction whose result would be longer (its gets return too many bytes) is rejected
    /// when applied, changing nothing.
    /// </summary>
    public static int MaxEncodedLength => KeyValueCommandCodec.MaxEncodedLength;

    private const byte PutTag = 1;
    private const byte DeleteTag = 2;
    private const byte CasTag = 3;
    private const byte StaleRequestTag = 4;
    private const byte RejectedTag = 5;
    private const byte GetTag = 6;
    private const byte TxnTag = 7;
    private const byte LeaseGrantTag = 8;
    private const byte LeaseRevokeTag = 9;
    private const byte LeaseNotFoundTag = 10;
    private const byte LeaseEpochTag = 11;
    private const byte ExhaustedTag = 12;
    private const byte FirstFlag = 1;
    private const byte SecondFlag = 2;

    /// <summary>The exact number of bytes <see cref="Encode(KeyValueResult, Span{byte})"/> writes.</summary>
    public static int GetEncodedLength(KeyValueResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return 1 + TaggedLength(result);
    }

    /// <summary>Encodes <paramref name="result"/> into <paramref name="destination"/>; returns the bytes written.</summary>
    /// <exception cref="ArgumentException">The destination is too small.</exception>
    public static int Encode(KeyValueResult result, Span<byte> destination)
    {
        int length = GetEncodedLength(result);
        if (destination.Length < length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes; the result needs {length}.", nameof(destination));
        }
        var writer = new SpanWriter(destination);
        writer.WriteByte(FormatVersion);
        WriteTagged(ref writer, result);
        return writer.Position;
    }

    /// <summary>Encodes <paramref name="result"/> into a new array of exactly the encoded length.</summary>
    public static byte[] Encode(KeyValueResult result)
    {
        byte[] encoded = new byte[GetEncodedLength(result)];
        Encode(result, encoded);
        return encoded;
    }

    /// <summary>Decodes one result that fills all of <paramref name="encoded"/>.</summary>
    /// <exception cref="FormatException">The bytes are not a valid version-1 result.</exception>
    public static KeyValueResult Decode(ReadOnlySpan<byte> encoded)
    {
        var reader = new SpanReader(encoded, "key-value result");
        byte version = reader.ReadByte();
        if (version != FormatVersion)
        {
            throw reader.Malformed($"unsupported format version {version} (this build reads version {FormatVersion})");
        }
        byte tag = reader.ReadByte();
        KeyValueResult result;
        switch (tag)
        {
            case PutTag or DeleteTag or GetTag:
                result = ReadOperationResult(ref reader, tag);
                break;
            case CasTag:
                byte casFlags = ReadFlags(ref reader, FirstFlag | SecondFlag);
                ulong index = reader.ReadUInt64();
                byte[] current = reader.ReadBytes("current value").ToArray();
                result = new CasResult((casFlags & FirstFlag) != 0, (casFlags & SecondFlag) != 0, current, index);
                break;
            case StaleRequestTag:
                result = new StaleRequestResult(reader.ReadUInt64());
                break;
            case RejectedTag:
                result = new RejectedResult(reader.ReadString("reason"));
                break;
            case TxnTag:
                byte txnFlags = ReadFlags(ref reader, FirstFlag);
                ulong txnIndex = reader.ReadUInt64();
                uint count = reader.ReadVarUInt32();
                var results = new List<KeyValueResult>();
                for (uint i = 0; i < count; i++)
                {
                    byte inner = reader.ReadByte();
                    if (inner is not (PutTag or DeleteTag or GetTag))
                    {
                        throw reader.Malformed($"unknown transaction operation result tag {inner}");
                    }
                    results.Add(ReadOperationResult(ref reader, inner));
                }
                result = new TxnResult(txnFlags == FirstFlag, results, txnIndex);
                break;
            case LeaseGrantTag:
                ulong leaseId = reader.ReadUInt64();
                result = new LeaseGrantResult(leaseId, unchecked((long)reader.ReadUInt64()));
                break;
            case LeaseRevokeTag:
                byte revokeFlags = ReadFlags(ref reader, FirstFlag);
                result = new LeaseRevokeResult(revokeFlags == FirstFlag, reader.ReadUInt64());
                break;
            case LeaseNotFoundTag:
                result = new LeaseNotFoundResult(reader.ReadUInt64());
                break;
            case LeaseEpochTag:
                result = new LeaseEpochResult(reader.ReadBallot());
                break;
            case ExhaustedTag:
                result = new ExhaustedResult(reader.ReadString("reason"));
                break;
            default:
                throw reader.Malformed($"unknown result tag {tag}");
        }
        reader.ExpectEnd();
        return result;
    }

    private static int TaggedLength(KeyValueResult result) => 1 + result switch
    {
        PutResult => sizeof(ulong),
        DeleteResult => 1 + sizeof(ulong),
        CasResult cas => 1 + sizeof(ulong) + WireFormat.BytesSize(cas.CurrentValue.Length),
        StaleRequestResult => sizeof(ulong),
        RejectedResult rejected => WireFormat.StringSize(rejected.Reason),
        GetResult get => 1 + sizeof(ulong) + WireFormat.BytesSize(get.Value.Length),
        TxnResult txn => 1 + sizeof(ulong) + WireFormat.VarUInt32Size((uint)txn.Results.Count) + txn.Results.Sum(OperationResultLength),
        LeaseGrantResult => 2 * sizeof(ulong),
        LeaseRevokeResult => 1 + sizeof(ulong),
        LeaseNotFoundResult => sizeof(ulong),
        LeaseEpochResult epoch => WireFormat.BallotSize(epoch.Epoch),
        ExhaustedResult exhausted => WireFormat.StringSize(exhausted.Reason),
        _ => throw UnknownType(result),
    };

    private static int OperationResultLength(KeyValueResult result) =>
        result is PutResult or DeleteResult or GetResult ? TaggedLength(result) : throw UnknownType(result);

    private static void WriteTagged(ref SpanWriter writer, KeyValueResult result)
    {
        switch (result)
        {
            case PutResult put:
                writer.WriteByte(PutTag);
                writer.WriteUInt64(put.Index);
                break;
            case DeleteResult delete:
                writer.WriteByte(DeleteTag);
                writer.WriteByte(delete.Existed ? FirstFlag : (byte)0);
                writer.WriteUInt64(delete.Index);
                break;
            case CasResult cas:
                writer.WriteByte(CasTag);
                writer.WriteByte((byte)((cas.Succeeded ? FirstFlag : 0) | (cas.Found ? SecondFlag : 0)));
                writer.WriteUInt64(cas.Index);
                writer.WriteBytes(cas.CurrentValue.Span);
                break;
            case StaleRequestResult stale:
                writer.WriteByte(StaleRequestTag);
                writer.WriteUInt64(stale.LatestRequestId);
                break;
            case RejectedResult rejected:
                writer.WriteByte(RejectedTag);
                writer.WriteString(rejected.Reason);
                break;
            case GetResult get:
                writer.WriteByte(GetTag);
                writer.WriteByte(get.Found ? FirstFlag : (byte)0);
                writer.WriteUInt64(get.Index);
                writer.WriteBytes(get.Value.Span);
                break;
            case TxnResult txn:
                writer.WriteByte(TxnTag);
                writer.WriteByte(txn.Succeeded ? FirstFlag : (byte)0);
                writer.WriteUInt64(txn.Index);
                writer.WriteVarUInt32((uint)txn.Results.Count);
                foreach (KeyValueResult inner in txn.Results)
                {
                    WriteTagged(ref writer, inner);
                }
                break;
            case LeaseGrantResult grant:
                writer.WriteByte(LeaseGrantTag);
                writer.WriteUInt64(grant.LeaseId);
                writer.WriteUInt64(unchecked((ulong)grant.TtlMilliseconds));
                break;
            case LeaseRevokeResult revoke:
                writer.WriteByte(LeaseRevokeTag);
                writer.WriteByte(revoke.Found ? FirstFlag : (byte)0);
                writer.WriteUInt64(revoke.Index);
                break;
            case LeaseNotFoundResult notFound:
                writer.WriteByte(LeaseNotFoundTag);
                writer.WriteUInt64(notFound.LeaseId);
                break;
            case LeaseEpochResult epoch:
                writer.WriteByte(LeaseEpochTag);
                writer.WriteBallot(epoch.Epoch);
                break;
            case ExhaustedResult exhausted:
                writer.WriteByte(ExhaustedTag);
                writer.WriteString(exhausted.Reason);
                break;
        }
    }

    private static KeyValueResult ReadOperationResult(ref SpanReader reader, byte tag)
    {
        switch (tag)
        {
            case PutTag:
                return new PutResult(reader.ReadUInt64());
            case DeleteTag:
                byte deleteFlags = ReadFlags(ref reader, FirstFlag);
                return new DeleteResult(deleteFlags == FirstFlag, reader.ReadUInt64());
            default: // GetTag, the only one left
                byte getFlags = ReadFlags(ref reader, FirstFlag);
                ulong index = reader.ReadUInt64();
                return new GetResult(getFlags == FirstFlag, reader.ReadBytes("value").ToArray(), index);
        }
    }

    private static byte ReadFlags(ref SpanReader reader, int allowed)
    {
        byte flags = reader.ReadByte();
        if ((flags & ~allowed) != 0)
        {
            throw reader.Malformed($"unknown flags 0x{flags:X2}");
        }
        return flags;
    }

    private static ArgumentException UnknownType(KeyValueResult result) =>
        new($"Unknown result type {result.GetType().Name}.", nameof(result));
}
