namespace Paxos.KeyValue;

/// <summary>
/// Binary encoding of <see cref="KeyValueCommand"/>s as stored in the log. Format version 1:
/// <code>
/// command  = version:u8(=1) tag:u8 client_id:string request_id:u64 key:string body
/// body     = value:bytes                                  ; tag 1, Put
///          |                                              ; tag 2, Delete (empty)
///          | flags:u8 expected_value:bytes new_value:bytes ; tag 3, CompareAndSwap, flags bit 0 = expect_absent
/// string   = bytes holding strict UTF-8
/// bytes    = length:varint data:length bytes              ; varint = unsigned LEB128, shortest form, ≤ 32 bits
/// u64      = 8 bytes little-endian
/// </code>
/// Decoding is strict (unknown version, tag or flag bits, truncation, trailing bytes and invalid
/// UTF-8 throw <see cref="FormatException"/>), so every encoding has exactly one meaning. Limits
/// are not checked here: see <see cref="KeyValueLimits"/>.
/// </summary>
public static class KeyValueCommandCodec
{
    /// <summary>The format version written by this codec and the only one it reads.</summary>
    public const byte FormatVersion = 1;

    /// <summary>
    /// The longest encoding of a command within <see cref="KeyValueLimits"/>: a compare-and-swap with
    /// the longest client id and key, and an expected and a new value of the largest size.
    /// </summary>
    public static readonly int MaxEncodedLength =
        2 + WireFormat.BytesSize(KeyValueLimits.MaxClientIdBytes) + sizeof(ulong) + WireFormat.BytesSize(KeyValueLimits.MaxKeyBytes)
        + 1 + (2 * WireFormat.BytesSize(KeyValueLimits.MaxValueBytes));

    private const byte PutTag = 1;
    private const byte DeleteTag = 2;
    private const byte CompareAndSwapTag = 3;
    private const byte ExpectAbsentFlag = 1;

    /// <summary>The exact number of bytes <see cref="Encode(KeyValueCommand, Span{byte})"/> writes.</summary>
    /// <exception cref="ArgumentException">A string is not valid UTF-16 (lone surrogate).</exception>
    public static int GetEncodedLength(KeyValueCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        int header = 2 + WireFormat.StringSize(command.ClientId) + sizeof(ulong) + WireFormat.StringSize(command.Key);
        return header + command switch
        {
            PutCommand put => WireFormat.BytesSize(put.Value.Length),
            DeleteCommand => 0,
            CompareAndSwapCommand cas => 1 + WireFormat.BytesSize(cas.ExpectedValue.Length) + WireFormat.BytesSize(cas.NewValue.Length),
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
            PutCommand => PutTag,
            DeleteCommand => DeleteTag,
            CompareAndSwapCommand => CompareAndSwapTag,
            _ => throw UnknownType(command),
        });
        writer.WriteString(command.ClientId);
        writer.WriteUInt64(command.RequestId);
        writer.WriteString(command.Key);
        switch (command)
        {
            case PutCommand put:
                writer.WriteBytes(put.Value.Span);
                break;
            case CompareAndSwapCommand cas:
                writer.WriteByte(cas.ExpectAbsent ? ExpectAbsentFlag : (byte)0);
                writer.WriteBytes(cas.ExpectedValue.Span);
                writer.WriteBytes(cas.NewValue.Span);
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
        if (tag is not (PutTag or DeleteTag or CompareAndSwapTag))
        {
            throw reader.Malformed($"unknown command tag {tag}");
        }
        string clientId = reader.ReadString("client id");
        ulong requestId = reader.ReadUInt64();
        string key = reader.ReadString("key");
        KeyValueCommand command;
        switch (tag)
        {
            case PutTag:
                command = new PutCommand(key, reader.ReadBytes("value").ToArray(), clientId, requestId);
                break;
            case DeleteTag:
                command = new DeleteCommand(key, clientId, requestId);
                break;
            default: // CompareAndSwapTag, the only tag left
                byte flags = reader.ReadByte();
                if ((flags & ~ExpectAbsentFlag) != 0)
                {
                    throw reader.Malformed($"unknown compare-and-swap flags 0x{flags:X2}");
                }
                byte[] expected = reader.ReadBytes("expected value").ToArray();
                byte[] newValue = reader.ReadBytes("new value").ToArray();
                command = new CompareAndSwapCommand(key, flags == ExpectAbsentFlag, expected, newValue, clientId, requestId);
                break;
        }
        reader.ExpectEnd();
        return command;
    }

    private static ArgumentException UnknownType(KeyValueCommand command) =>
        new($"Unknown command type {command.GetType().Name}.", nameof(command));
}
