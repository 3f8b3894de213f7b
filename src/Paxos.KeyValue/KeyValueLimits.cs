namespace Paxos.KeyValue;

/// <summary>
/// The limits of the client API (contract section 1), shared by the gRPC service, which turns a
/// violation into INVALID_ARGUMENT before proposing, and by <see cref="KeyValueStateMachine"/>,
/// which rejects a violating command deterministically if one reaches the log anyway. Each
/// <c>Validate</c> method returns a human-readable error message, or null when the input is fine.
/// </summary>
public static class KeyValueLimits
{
    /// <summary>The longest key, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 1024;

    /// <summary>The largest value (1 MiB), in bytes.</summary>
    public const int MaxValueBytes = 1024 * 1024;

    /// <summary>
    /// The longest client id, in UTF-8 bytes. Not in the contract's text; it bounds the memory of
    /// the exactly-once table.
    /// </summary>
    public const int MaxClientIdBytes = 1024;

    /// <summary>Checks that a key is non-empty, valid UTF-16 (no lone surrogate) and at most <see cref="MaxKeyBytes"/> UTF-8 bytes.</summary>
    public static string? ValidateKey(string? key) =>
        string.IsNullOrEmpty(key) ? "key must not be empty" : ValidateText(key, "key", MaxKeyBytes);

    /// <summary>Checks that a value of <paramref name="lengthInBytes"/> bytes is at most <see cref="MaxValueBytes"/>.</summary>
    public static string? ValidateValue(int lengthInBytes) =>
        lengthInBytes > MaxValueBytes ? $"value is {lengthInBytes} bytes; the limit is {MaxValueBytes} (1 MiB)" : null;

    /// <summary>
    /// Checks a client id: empty (exactly-once off) or valid UTF-16 of at most
    /// <see cref="MaxClientIdBytes"/> UTF-8 bytes.
    /// </summary>
    public static string? ValidateClientId(string? clientId) =>
        string.IsNullOrEmpty(clientId) ? null : ValidateText(clientId, "client id", MaxClientIdBytes);

    /// <summary>Checks every field of <paramref name="command"/>.</summary>
    public static string? ValidateCommand(KeyValueCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return ValidateKey(command.Key)
            ?? ValidateClientId(command.ClientId)
            ?? command switch
            {
                PutCommand put => ValidateValue(put.Value.Length),
                CompareAndSwapCommand cas => ValidateValue(cas.NewValue.Length) ?? ValidateExpected(cas.ExpectedValue.Length),
                _ => null,
            };
    }

    private static string? ValidateExpected(int lengthInBytes) =>
        lengthInBytes > MaxValueBytes ? $"expected value is {lengthInBytes} bytes; the limit is {MaxValueBytes} (1 MiB)" : null;

    private static string? ValidateText(string text, string what, int maxBytes)
    {
        long bytes = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                bytes += 4;
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return $"{what} has a lone UTF-16 surrogate at position {i}, so it has no UTF-8 form";
            }
            else
            {
                bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
            }
        }
        return bytes > maxBytes ? $"{what} is {bytes} UTF-8 bytes; the limit is {maxBytes}" : null;
    }
}
