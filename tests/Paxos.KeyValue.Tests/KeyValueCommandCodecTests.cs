namespace Paxos.KeyValue.Tests;

public class KeyValueCommandCodecTests
{
    private static readonly string[] SampleNames = ["put", "put-anonymous", "delete", "cas-absent", "cas-value", "cas-empty", "unicode"];

    public static TheoryData<string> Samples() => new(SampleNames);

    private static KeyValueCommand Sample(string name) => name switch
    {
        "put" => new PutCommand("k", Kv.Bytes("value"), "client-1", 42),
        "put-anonymous" => new PutCommand("key", []),
        "delete" => new DeleteCommand("gone", "c", ulong.MaxValue),
        "cas-absent" => new CompareAndSwapCommand("k", true, [], Kv.Bytes("new"), "c", 7),
        "cas-value" => new CompareAndSwapCommand("k", false, Kv.Bytes("old"), Kv.Bytes("new"), "c", 8),
        "cas-empty" => new CompareAndSwapCommand("k", false, [], [], "", 0),
        "unicode" => new PutCommand("ключ-🔑-€", new byte[300], "клиент", 1),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Fact]
    public void Max_encoded_length_is_that_of_the_largest_command_the_limits_allow()
    {
        string longest = new('k', KeyValueLimits.MaxKeyBytes);
        string client = new('c', KeyValueLimits.MaxClientIdBytes);
        byte[] value = new byte[KeyValueLimits.MaxValueBytes];
        var cas = new CompareAndSwapCommand(longest, false, value, value, client, ulong.MaxValue);
        var put = new PutCommand(longest, value, client, ulong.MaxValue);

        Assert.Equal(KeyValueCommandCodec.MaxEncodedLength, KeyValueCommandCodec.GetEncodedLength(cas));
        Assert.True(KeyValueCommandCodec.GetEncodedLength(put) < KeyValueCommandCodec.MaxEncodedLength);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Round_trip_keeps_every_field(string name)
    {
        KeyValueCommand command = Sample(name);
        byte[] encoded = KeyValueCommandCodec.Encode(command);

        KeyValueCommand decoded = KeyValueCommandCodec.Decode(encoded);

        Assert.Equal(command.GetType(), decoded.GetType());
        Assert.Equal(((SingleKeyCommand)command).Key, ((SingleKeyCommand)decoded).Key);
        Assert.Equal(command.ClientId, decoded.ClientId);
        Assert.Equal(command.RequestId, decoded.RequestId);
        switch (command)
        {
            case PutCommand put:
                Assert.Equal(put.Value.ToArray(), ((PutCommand)decoded).Value.ToArray());
                break;
            case CompareAndSwapCommand cas:
                var decodedCas = (CompareAndSwapCommand)decoded;
                Assert.Equal(cas.ExpectAbsent, decodedCas.ExpectAbsent);
                Assert.Equal(cas.ExpectedValue.ToArray(), decodedCas.ExpectedValue.ToArray());
                Assert.Equal(cas.NewValue.ToArray(), decodedCas.NewValue.ToArray());
                break;
        }
        Assert.Equal(encoded, KeyValueCommandCodec.Encode(decoded));
    }

    [Fact]
    public void A_command_with_a_client_id_is_identified_by_its_header_and_one_without_is_not()
    {
        byte[] identified = KeyValueCommandCodec.Encode(new PutCommand("k", Kv.Bytes("v"), "c", 1));
        byte[] anonymous = KeyValueCommandCodec.Encode(new PutCommand("k", Kv.Bytes("v")));

        Assert.Equal(2 + 2 + 8, KeyValueCommandCodec.IdentityLength(identified)); // version, tag, "c", request id
        Assert.Equal(0, KeyValueCommandCodec.IdentityLength(anonymous));
        Assert.Equal(0, KeyValueCommandCodec.IdentityLength(identified.AsSpan(0, 5))); // cut inside the request id
        Assert.Equal(0, KeyValueCommandCodec.IdentityLength([]));
        Assert.Equal(0, KeyValueCommandCodec.IdentityLength([99, 1, 1, (byte)'c', 0, 0, 0, 0, 0, 0, 0, 1])); // another format version
    }

    [Fact]
    public void Encoding_is_compact_and_versioned()
    {
        byte[] encoded = KeyValueCommandCodec.Encode(new PutCommand("k", Kv.Bytes("v"), "c", 1));

        // version, tag, "c" (1 + 1), request id (8), "k" (1 + 1), "v" (1 + 1)
        Assert.Equal(16, encoded.Length);
        Assert.Equal(KeyValueCommandCodec.FormatVersion, encoded[0]);
    }

    [Fact]
    public void Span_encoding_writes_exactly_the_reported_length_and_refuses_a_short_destination()
    {
        KeyValueCommand command = Sample("cas-value");
        int length = KeyValueCommandCodec.GetEncodedLength(command);
        byte[] buffer = new byte[length + 5];

        Assert.Equal(length, KeyValueCommandCodec.Encode(command, buffer));
        Assert.Equal(KeyValueCommandCodec.Encode(command), buffer[..length]);
        Assert.Throws<ArgumentException>(() => KeyValueCommandCodec.Encode(command, new byte[length - 1]));
    }

    [Fact]
    public void Encoding_a_key_with_a_lone_surrogate_throws()
    {
        Assert.ThrowsAny<ArgumentException>(() => KeyValueCommandCodec.Encode(new DeleteCommand("a\uD800b")));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_truncation_is_a_format_error(string name)
    {
        byte[] encoded = KeyValueCommandCodec.Encode(Sample(name));
        for (int length = 0; length < encoded.Length; length++)
        {
            var error = Assert.Throws<FormatException>(() => KeyValueCommandCodec.Decode(encoded.AsSpan(0, length)));
            Assert.StartsWith("Malformed key-value command", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Trailing_bytes_are_a_format_error()
    {
        byte[] encoded = [.. KeyValueCommandCodec.Encode(Sample("put")), 0];
        var error = Assert.Throws<FormatException>(() => KeyValueCommandCodec.Decode(encoded));
        Assert.Contains("trailing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_version_tag_and_flags_are_format_errors()
    {
        byte[] version = KeyValueCommandCodec.Encode(Sample("delete"));
        version[0] = 2;
        Assert.Contains("version 2", Assert.Throws<FormatException>(() => KeyValueCommandCodec.Decode(version)).Message, StringComparison.Ordinal);

        byte[] tag = KeyValueCommandCodec.Encode(Sample("delete"));
        tag[1] = 10;
        Assert.Contains("tag 10", Assert.Throws<FormatException>(() => KeyValueCommandCodec.Decode(tag)).Message, StringComparison.Ordinal);

        byte[] flags = KeyValueCommandCodec.Encode(new CompareAndSwapCommand("k", false, [], []));
        int flagsOffset = 2 + 1 + 8 + 2; // version, tag, empty client id, request id, "k"
        flags[flagsOffset] = 0x02;
        Assert.Contains("flags", Assert.Throws<FormatException>(() => KeyValueCommandCodec.Decode(flags)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_length_beyond_the_input_is_a_format_error()
    {
        // version 1, put, client id length 0xFFFFFFFF
        byte[] encoded = [1, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0, 0];
        Assert.Contains("claims", Assert.Throws<FormatException>(() => KeyValueCommandCodec.Decode(encoded)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Overflowing_and_non_canonical_varints_are_format_errors()
    {
        byte[] overflow = [1, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F];
        Assert.Contains("overflows", Assert.Throws<FormatException>(() => KeyValueCommandCodec.Decode(overflow)).Message, StringComparison.Ordinal);

        byte[] overlong = [1, 2, 0x80, 0x00];
        Assert.Contains("shortest", Assert.Throws<FormatException>(() => KeyValueCommandCodec.Decode(overlong)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_in_a_key_is_a_format_error()
    {
        var encoded = new List<byte> { 1, 2, 0 };
        encoded.AddRange(new byte[8]);
        encoded.AddRange([2, 0xC3, 0x28]); // a two-byte sequence with a bad continuation byte
        var error = Assert.Throws<FormatException>(() => KeyValueCommandCodec.Decode(encoded.ToArray()));
        Assert.Contains("key is not valid UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_and_mutated_input_decodes_or_fails_with_a_format_error_only()
    {
        var random = new Random(1234);
        byte[][] valid = [.. SampleNames.Select(name => KeyValueCommandCodec.Encode(Sample(name)))];
        int formatErrors = 0;
        for (int i = 0; i < 20_000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[random.Next(0, 40)];
                random.NextBytes(input);
                if (input.Length > 0)
                {
                    input[0] = 1;
                }
            }
            else
            {
                input = (byte[])valid[random.Next(valid.Length)].Clone();
                input[random.Next(input.Length)] ^= (byte)(1 << random.Next(8));
            }
            try
            {
                KeyValueCommand decoded = KeyValueCommandCodec.Decode(input);
                Assert.Equal(input, KeyValueCommandCodec.Encode(decoded));
            }
            catch (FormatException)
            {
                formatErrors++;
            }
        }
        Assert.InRange(formatErrors, 1, 19_999);
    }

    [Fact]
    public void Decoded_strings_use_strict_utf8()
    {
        string key = "naïve-日本-🙂";
        var decoded = KeyValueCommandCodec.Decode(KeyValueCommandCodec.Encode(new DeleteCommand(key)));
        Assert.Equal(key, Assert.IsType<DeleteCommand>(decoded).Key);
    }
}
