using Paxos.Core;

namespace Paxos.KeyValue;

/// <summary>
/// Binary encoding of <see cref="KeyValueCommand"/>s as stored in the log. Format version 1:
/// <code>
/// command  = version:u8(=1) tag:u8 client_id:string request_id:u64 body
/// body     = key:string value:bytes                                  ; tag 1, Put
///          | key:string                                              ; tag 2, Delete
///          | key:string flags:u8 expected_value:bytes new_value:bytes ; tag 3, CompareAndSwap, flags bit 0 = expect_absent
///          | count:varint { compare } success:ops failure:ops        ; tag 4, Txn
///          | key:string value:bytes lease:u64                        ; tag 5, Put attaching the key to lease (not 0)
///          | ttl_ms:u64                                              ; tag 6, LeaseGrant (two's complement of the signed ttl)
///          | lease:u64                                               ; tag 7, LeaseRevoke
///          | lease:u64 epoch:ballot                                  ; tag 8, LeaseExpire
///          | epoch:ballot                                            ; tag 9, LeaseEpoch
/// ballot   = round:u64 node:varint
/// compare  = key:string target:u8 operator:u8 operand                ; target and operator as CompareTarget and CompareOperator
/// operand  = value:bytes | index:u64 | exists:u8(0 or 1)             ; of target Value, Index, Exists
/// ops      = count:varint { kind:u8 key:string [value:bytes [lease:u64]] } ; kind 1 put (with the value), 2 delete, 3 get,
///                                                                  ; 4 put with the value and a lease (not 0)
/// string   = bytes holding strict UTF-8
/// bytes    = length:varint data:length bytes                         ; varint = unsigned LEB128, shortest form, ≤ 32 bits
/// u64      = 8 bytes little-endian
/// </code>
/// Tag 4 was added after tags 1 to 3, and tags 5 to 9 and kind 4 after that, without changing the
/// bytes of the earlier ones: a put without a lease is still tag 1 (kind 1), so logs written before
/// leases existed read the same. Decoding is strict (unknown
/// version, tag, flag bits, target, operator or kind, truncation, trailing bytes and invalid UTF-8
/// throw <see cref="FormatException"/>), so every encoding has exactly one meaning. Limits are not
/// checked here: see <see cref="KeyValueLimits"/>.
/// </summary>
public static class KeyValueCommandCodec
{
    /// <summary>The format version written by this codec and the only one it reads.</summary>
    public const byte FormatVersion = 1;

    /// <summary>
    /// The longest encoding of a command within <see cref="KeyValueLimits"/>: a compare-and-swap with
    /// the longest client id and key, and an expected and a new value of the largest size. A
    /// transaction must fit it too (<see cref="KeyValueLimits.ValidateCommand"/>).
    /// </summary>
    public static readonly int MaxEncodedLength =
        2 + WireFormat.BytesSize(KeyValueLimits.MaxClientIdBytes) + sizeof(ulong) + WireFormat.BytesSize(KeyValueLimits.MaxKeyBytes)
        + 1 + (2 * WireFormat.BytesSize(KeyValueLimits.MaxValueBytes));

    private const byte PutTag = 1;
    private const byte DeleteTag = 2;
    private const byte CompareAndSwapTag = 3;
    private const byte TxnTag = 4;
    private const byte LeasedPutTag = 5;
    private const byte LeaseGrantTag = 6;
    private const byte LeaseRevokeTag = 7;
    private const byte LeaseExpireTag = 8;
    private const byte LeaseEpochTag = 9;
    private const byte ExpectAbsentFlag = 1;
    private const byte PutKind = 1;
    private const byte DeleteKind = 2;
    private const byte GetKind = 3;
    private const byte LeasedPutKind = 4;

    /// <summary>
    /// The length of an encoded command's header (version, tag, client id, request id) when it has a
    /// client id, under which the store applies it at most once; 0 when it has none or the bytes do
    /// not start with a well-formed header.
    /// </summary>
    public static int IdentityLength(ReadOnlySpan<byte> encoded)
    {
        try
        {
            var reader = new SpanReader(encoded, "command");
            if (reader.ReadByte() != FormatVersion)
            {
                return 0;
            }
            reader.ReadByte();
            bool identified = reader.ReadBytes("client_id").Length > 0;
            reader.ReadUInt64();
            return identified ? encoded.Length - reader.Remaining : 0;
        }
        catch (FormatException)
        {
            return 0;
        }
    }

    /// <summary>The exact number of bytes <see cref="Encode(KeyValueCommand, Span{byte})"/> writes.</summary>
    /// <exception cref="ArgumentException">A string is not valid UTF-16 (lone surrogate).</exception>
    public static int GetEncodedLength(KeyValueCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        int header = 2 + WireFormat.StringSize(command.ClientId) + sizeof(ulong);
        return header + command switch
        {
            PutCommand put => WireFormat.StringSize(put.Key) + WireFormat.BytesSize(put.Value.Length) + (put.LeaseId != 0 ? sizeof(ulong) : 0),
            DeleteCommand delete => WireFormat.StringSize(delete.Key),
            CompareAndSwapCommand cas => WireFormat.StringSize(cas.Key) + 1 + WireFormat.BytesSize(cas.ExpectedValue.Length) + WireFormat.BytesSize(cas.NewValue.Length),
            TxnCommand txn => TxnLength(txn),
            LeaseGrantCommand or LeaseRevokeCommand => sizeof(ulong),
            LeaseExpireCommand expire => sizeof(ulong) + WireFormat.BallotSize(expire.Epoch),
            LeaseEpochCommand epoch => WireFormat.BallotSize(epoch.Epoch),
            _ => throw UnknownType(command),
        };
    }

    /// <summary>Encodes <paramref name="command"/> into <paramref name="destination"/>; returns the bytes written.</summary>
    /// <exception cref="ArgumentException">The destination is too small, or a string is not valid UTF-16.</exception>
    public static int Encode(KeyValueCommand command, Span<byte> destination)
    {
        int length = GetEncodedLength(command);
        if (destination.Length < length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes; the command needs {length}.", nameof(destination));
        }
        var writer = new SpanWriter(destination);
        writer.WriteByte(FormatVersion);
        writer.WriteByte(command switch
        {
            PutCommand { LeaseId: 0 } => PutTag,
            PutCommand => LeasedPutTag,
            DeleteCommand => DeleteTag,
            CompareAndSwapCommand => CompareAndSwapTag,
            TxnCommand => TxnTag,
            LeaseGrantCommand => LeaseGrantTag,
            LeaseRevokeCommand => LeaseRevokeTag,
            LeaseExpireCommand => LeaseExpireTag,
            LeaseEpochCommand => LeaseEpochTag,
            _ => throw UnknownType(command),
        });
        writer.WriteString(command.ClientId);
        writer.WriteUInt64(command.RequestId);
        switch (command)
        {
            case PutCommand put:
                writer.WriteString(put.Key);
                writer.WriteBytes(put.Value.Span);
                if (put.LeaseId != 0)
                {
                    writer.WriteUInt64(put.LeaseId);
                }
                break;
            case DeleteCommand delete:
                writer.WriteString(delete.Key);
                break;
            case CompareAndSwapCommand cas:
                writer.WriteString(cas.Key);
                writer.WriteByte(cas.ExpectAbsent ? ExpectAbsentFlag : (byte)0);
                writer.WriteBytes(cas.ExpectedValue.Span);
                writer.WriteBytes(cas.NewValue.Span);
                break;
            case TxnCommand txn:
                WriteTxn(ref writer, txn);
                break;
            case LeaseGrantCommand grant:
                writer.WriteUInt64(unchecked((ulong)grant.TtlMilliseconds));
                break;
            case LeaseRevokeCommand revoke:
                writer.WriteUInt64(revoke.LeaseId);
                break;
            case LeaseExpireCommand expire:
                writer.WriteUInt64(expire.LeaseId);
                writer.WriteBallot(expire.Epoch);
                break;
            case LeaseEpochCommand epoch:
                writer.WriteBallot(epoch.Epoch);
                break;
        }
        return writer.Position;
    }

    /// <summary>Encodes <paramref name="command"/> into a new array of exactly the encoded length.</summary>
    /// <exception cref="ArgumentException">A string is not valid UTF-16 (lone surrogate).</exception>
    public static byte[] Encode(KeyValueCommand command)
    {
        byte[] encoded = new byte[GetEncodedLength(command)];
        Encode(command, encoded);
        return encoded;
    }

    /// <summary>Decodes one command that fills all of <paramref name="encoded"/>.</summary>
    /// <exception cref="FormatException">The bytes are not a valid version-1 command.</exception>
    public static KeyValueCommand Decode(ReadOnlySpan<byte> encoded)
    {
        var reader = new SpanReader(encoded, "key-value command");
        byte version = reader.ReadByte();
        if (version != FormatVersion)
        {
            throw reader.Malformed($"unsupported format version {version} (this build reads version {FormatVersion})");
        }
        byte tag = reader.ReadByte();
        if (tag is < PutTag or > LeaseEpochTag)
        {
            throw reader.Malformed($"unknown command tag {tag}");
        }
        string clientId = reader.ReadString("client id");
        ulong requestId = reader.ReadUInt64();
        KeyValueCommand command;
        switch (tag)
        {
            case PutTag or LeasedPutTag:
                string putKey = reader.ReadString("key");
                byte[] putValue = reader.ReadBytes("value").ToArray();
                command = new PutCommand(putKey, putValue, clientId, requestId, tag == LeasedPutTag ? ReadLeaseId(ref reader) : 0);
                break;
            case DeleteTag:
                command = new DeleteCommand(reader.ReadString("key"), clientId, requestId);
                break;
            case CompareAndSwapTag:
                string casKey = reader.ReadString("key");
                byte flags = reader.ReadByte();
                if ((flags & ~ExpectAbsentFlag) != 0)
                {
                    throw reader.Malformed($"unknown compare-and-swap flags 0x{flags:X2}");
                }
                byte[] expected = reader.ReadBytes("expected value").ToArray();
                byte[] newValue = reader.ReadBytes("new value").ToArray();
                command = new CompareAndSwapCommand(casKey, flags == ExpectAbsentFlag, expected, newValue, clientId, requestId);
                break;
            case TxnTag:
                command = ReadTxn(ref reader, clientId, requestId);
                break;
            case LeaseGrantTag:
                command = new LeaseGrantCommand(unchecked((long)reader.ReadUInt64()), clientId, requestId);
                break;
            case LeaseRevokeTag:
                command = new LeaseRevokeCommand(reader.ReadUInt64(), clientId, requestId);
                break;
            case LeaseExpireTag:
                ulong expired = reader.ReadUInt64();
                command = new LeaseExpireCommand(expired, reader.ReadBallot());
                break;
            default: // LeaseEpochTag, the only tag left
                command = new LeaseEpochCommand(reader.ReadBallot());
                break;
        }
        if (command is LeaseExpireCommand or LeaseEpochCommand && (clientId.Length != 0 || requestId != 0))
        {
            throw reader.Malformed("a lease expiry or epoch carries no client id or request id");
        }
        reader.ExpectEnd();
        return command;
    }

    private static int TxnLength(TxnCommand txn)
    {
        int length = WireFormat.VarUInt32Size((uint)txn.Compares.Count);
        foreach (TxnCompare compare in txn.Compares)
        {
            length += WireFormat.StringSize(compare.Key) + 2 + compare.Target switch
            {
                CompareTarget.Value => WireFormat.BytesSize(compare.Value.Length),
                CompareTarget.Index => sizeof(ulong),
                _ => 1,
            };
        }
        return length + OperationsLength(txn.Success) + OperationsLength(txn.Failure);
    }

    private static int OperationsLength(IReadOnlyList<TxnOperation> operations)
    {
        int length = WireFormat.VarUInt32Size((uint)operations.Count);
        foreach (TxnOperation operation in operations)
        {
            length += 1 + WireFormat.StringSize(operation.Key) + operation switch
            {
                TxnPut { LeaseId: 0 } put => WireFormat.BytesSize(put.Value.Length),
                TxnPut put => WireFormat.BytesSize(put.Value.Length) + sizeof(ulong),
                _ => 0,
            };
        }
        return length;
    }

    private static void WriteTxn(ref SpanWriter writer, TxnCommand txn)
    {
        writer.WriteVarUInt32((uint)txn.Compares.Count);
        foreach (TxnCompare compare in txn.Compares)
        {
            writer.WriteString(compare.Key);
            writer.WriteByte((byte)compare.Target);
            writer.WriteByte((byte)compare.Operator);
            switch (compare.Target)
            {
                case CompareTarget.Value:
                    writer.WriteBytes(compare.Value.Span);
                    break;
                case CompareTarget.Index:
                    writer.WriteUInt64(compare.Index);
                    break;
                default:
                    writer.WriteByte(compare.Exists ? (byte)1 : (byte)0);
                    break;
            }
        }
        WriteOperations(ref writer, txn.Success);
        WriteOperations(ref writer, txn.Failure);
    }

    private static void WriteOperations(ref SpanWriter writer, IReadOnlyList<TxnOperation> operations)
    {
        writer.WriteVarUInt32((uint)operations.Count);
        foreach (TxnOperation operation in operations)
        {
            writer.WriteByte(operation switch
            {
                TxnPut { LeaseId: 0 } => PutKind,
                TxnPut => LeasedPutKind,
                TxnDelete => DeleteKind,
                TxnGet => GetKind,
                _ => throw new ArgumentException($"Unknown transaction operation type {operation.GetType().Name}.", nameof(operations)),
            });
            writer.WriteString(operation.Key);
            if (operation is TxnPut put)
            {
                writer.WriteBytes(put.Value.Span);
                if (put.LeaseId != 0)
                {
                    writer.WriteUInt64(put.LeaseId);
                }
            }
        }
    }

    private static TxnCommand ReadTxn(ref SpanReader reader, string clientId, ulong requestId)
    {
        uint count = reader.ReadVarUInt32();
        var compares = new List<TxnCompare>();
        for (uint i = 0; i < count; i++)
        {
            string key = reader.ReadString("compare key");
            byte target = reader.ReadByte();
            byte op = reader.ReadByte();
            if (op > (byte)CompareOperator.Greater)
            {
                throw reader.Malformed($"unknown compare operator {op}");
            }
            var compareOperator = (CompareOperator)op;
            compares.Add(target switch
            {
                (byte)CompareTarget.Value => TxnCompare.OnValue(key, compareOperator, reader.ReadBytes("compare value").ToArray()),
                (byte)CompareTarget.Index => TxnCompare.OnIndex(key, compareOperator, reader.ReadUInt64()),
                (byte)CompareTarget.Exists => TxnCompare.OnExists(key, compareOperator, ReadBoolean(ref reader)),
                _ => throw reader.Malformed($"unknown compare target {target}"),
            });
        }
        List<TxnOperation> success = ReadOperations(ref reader);
        List<TxnOperation> failure = ReadOperations(ref reader);
        return new TxnCommand(compares, success, failure, clientId, requestId);
    }

    private static bool ReadBoolean(ref SpanReader reader)
    {
        byte b = reader.ReadByte();
        return b switch
        {
            0 => false,
            1 => true,
            _ => throw reader.Malformed($"compare exists is {b}, neither 0 nor 1"),
        };
    }

    private static List<TxnOperation> ReadOperations(ref SpanReader reader)
    {
        uint count = reader.ReadVarUInt32();
        var operations = new List<TxnOperation>();
        for (uint i = 0; i < count; i++)
        {
            byte kind = reader.ReadByte();
            if (kind is not (PutKind or DeleteKind or GetKind or LeasedPutKind))
            {
                throw reader.Malformed($"unknown transaction operation kind {kind}");
            }
            string key = reader.ReadString("operation key");
            operations.Add(kind switch
            {
                PutKind => new TxnPut(key, reader.ReadBytes("operation value").ToArray()),
                LeasedPutKind => new TxnPut(key, reader.ReadBytes("operation value").ToArray(), ReadLeaseId(ref reader)),
                DeleteKind => new TxnDelete(key),
                _ => new TxnGet(key),
            });
        }
        return operations;
    }

    /// <summary>A lease id written after a put's value: not 0, which is written as the put without a lease instead.</summary>
    private static ulong ReadLeaseId(ref SpanReader reader)
    {
        ulong leaseId = reader.ReadUInt64();
        return leaseId != 0 ? leaseId : throw reader.Malformed("a put with a lease names lease 0");
    }

    private static ArgumentException UnknownType(KeyValueCommand command) =>
        new($"Unknown command type {command.GetType().Name}.", nameof(command));
}
