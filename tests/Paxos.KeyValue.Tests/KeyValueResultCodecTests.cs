namespace Paxos.KeyValue.Tests;

public class KeyValueResultCodecTests
{
    private static readonly KeyValueResult[] Samples =
    [
        new PutResult(1),
        new PutResult(ulong.MaxValue),
        new DeleteResult(true, 5),
        new DeleteResult(false, 6),
        new CasResult(true, false, ReadOnlyMemory<byte>.Empty, 7),
        new CasResult(false, true, Kv.Bytes("current"), 3),
        new CasResult(true, true, ReadOnlyMemory<byte>.Empty, 9),
        new StaleRequestResult(12),
        new RejectedResult("key must not be empty"),
    ];

    [Fact]
    public void Round_trip_keeps_every_field()
    {
        foreach (KeyValueResult result in Samples)
        {
            byte[] encoded = KeyValueResultCodec.Encode(result);
            KeyValueResult decoded = KeyValueResultCodec.Decode(encoded);

            Assert.Equal(result.GetType(), decoded.GetType());
            switch ((result, decoded))
            {
                case (PutResult a, PutResult b):
                    Assert.Equal(a.Index, b.Index);
                    break;
                case (DeleteResult a, DeleteResult b):
                    Assert.Equal((a.Existed, a.Index), (b.Existed, b.Index));
                    break;
                case (CasResult a, CasResult b):
                    Assert.Equal((a.Succeeded, a.Found, a.Index), (b.Succeeded, b.Found, b.Index));
                    Assert.Equal(a.CurrentValue.ToArray(), b.CurrentValue.ToArray());
                    break;
                case (StaleRequestResult a, StaleRequestResult b):
                    Assert.Equal(a.LatestRequestId, b.LatestRequestId);
                    break;
                case (RejectedResult a, RejectedResult b):
                    Assert.Equal(a.Reason, b.Reason);
                    break;
                default:
                    Assert.Fail($"unexpected pair {result.GetType().Name}");
                    break;
            }
            Assert.Equal(encoded, KeyValueResultCodec.Encode(decoded));
            Assert.Equal(encoded.Length, KeyValueResultCodec.GetEncodedLength(result));
        }
    }

    [Fact]
    public void Every_truncation_and_any_trailing_byte_is_a_format_error()
    {
        foreach (KeyValueResult result in Samples)
        {
            byte[] encoded = KeyValueResultCodec.Encode(result);
            for (int length = 0; length < encoded.Length; length++)
            {
                var error = Assert.Throws<FormatException>(() => KeyValueResultCodec.Decode(encoded.AsSpan(0, length)));
                Assert.StartsWith("Malformed key-value result", error.Message, StringComparison.Ordinal);
            }
            Assert.Throws<FormatException>(() => KeyValueResultCodec.Decode([.. encoded, 0]));
        }
    }

    [Fact]
    public void Unknown_version_tag_and_flags_are_format_errors()
    {
        Assert.Throws<FormatException>(() => KeyValueResultCodec.Decode([2, 1, 0, 0, 0, 0, 0, 0, 0, 0]));
        Assert.Throws<FormatException>(() => KeyValueResultCodec.Decode([1, 8, 0, 0, 0, 0, 0, 0, 0, 0]));
        Assert.Throws<FormatException>(() => KeyValueResultCodec.Decode([1, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0]));
        Assert.Throws<FormatException>(() => KeyValueResultCodec.Decode([1, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    }
}
