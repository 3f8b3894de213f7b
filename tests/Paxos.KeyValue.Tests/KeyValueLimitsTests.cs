namespace Paxos.KeyValue.Tests;

public class KeyValueLimitsTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void An_empty_key_is_rejected(string? key)
    {
        Assert.Equal("key must not be empty", KeyValueLimits.ValidateKey(key));
    }

    [Theory]
    [InlineData("a", 1024)]    // 1 byte each
    [InlineData("é", 512)]     // 2 bytes each
    [InlineData("🔑", 256)]    // 4 bytes each, a surrogate pair
    public void A_key_of_exactly_1024_utf8_bytes_is_accepted(string unit, int repeat)
    {
        Assert.Null(KeyValueLimits.ValidateKey(string.Concat(Enumerable.Repeat(unit, repeat))));
    }

    [Theory]
    [InlineData("a", 1025, "")]
    [InlineData("é", 512, "a")]   // 1024 + 1
    [InlineData("€", 341, "ab")]  // 1023 + 2
    [InlineData("🔑", 256, "a")]  // 1024 + 1
    [InlineData("€", 342, "")]    // 1026, only 342 chars
    public void A_key_over_1024_utf8_bytes_is_rejected(string unit, int repeat, string tail)
    {
        string key = string.Concat(Enumerable.Repeat(unit, repeat)) + tail;
        Assert.True(key.Length <= 1025, "the limit is in bytes, not chars");

        string? error = KeyValueLimits.ValidateKey(key);

        Assert.NotNull(error);
        Assert.Contains("the limit is 1024", error, StringComparison.Ordinal);
    }

    // Built in code and passed by position: attribute arguments and xunit's test-case
    // serialization both go through UTF-8, which would replace lone surrogates.
    private static readonly string[] LoneSurrogateKeys =
    [
        "a\uD800",          // lone high surrogate at the end
        "\uDC00a",          // lone low surrogate
        "\uDC00\uD800",     // a pair in the wrong order
        "\uD800\uD800\uDC00",
    ];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_key_with_a_lone_surrogate_is_rejected(int which)
    {
        string key = LoneSurrogateKeys[which];
        Assert.Contains(key, char.IsSurrogate);

        string? error = KeyValueLimits.ValidateKey(key);

        Assert.NotNull(error);
        Assert.Contains("lone UTF-16 surrogate", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_of_1_MiB_is_accepted_and_one_byte_more_is_rejected()
    {
        Assert.Null(KeyValueLimits.ValidateValue(0));
        Assert.Null(KeyValueLimits.ValidateValue(1_048_576));
        Assert.Contains("1048577", KeyValueLimits.ValidateValue(1_048_577), StringComparison.Ordinal);
    }

    [Fact]
    public void Client_ids_may_be_empty_but_not_invalid_or_too_long()
    {
        Assert.Null(KeyValueLimits.ValidateClientId(""));
        Assert.Null(KeyValueLimits.ValidateClientId(new string('c', 1024)));
        Assert.NotNull(KeyValueLimits.ValidateClientId(new string('c', 1025)));
        Assert.NotNull(KeyValueLimits.ValidateClientId("\uD800"));
    }

    [Fact]
    public void Commands_are_checked_field_by_field()
    {
        byte[] max = new byte[KeyValueLimits.MaxValueBytes];
        byte[] over = new byte[KeyValueLimits.MaxValueBytes + 1];

        Assert.Null(KeyValueLimits.ValidateCommand(new PutCommand("k", max, "c", 1)));
        Assert.Null(KeyValueLimits.ValidateCommand(new DeleteCommand("k")));
        Assert.Null(KeyValueLimits.ValidateCommand(new CompareAndSwapCommand("k", false, max, max)));
        Assert.NotNull(KeyValueLimits.ValidateCommand(new PutCommand("k", over)));
        Assert.NotNull(KeyValueLimits.ValidateCommand(new PutCommand("", [])));
        Assert.NotNull(KeyValueLimits.ValidateCommand(new DeleteCommand("k", new string('c', 2000), 1)));
        Assert.NotNull(KeyValueLimits.ValidateCommand(new CompareAndSwapCommand("k", false, [], over)));
        Assert.NotNull(KeyValueLimits.ValidateCommand(new CompareAndSwapCommand("k", false, over, [])));
    }
}
