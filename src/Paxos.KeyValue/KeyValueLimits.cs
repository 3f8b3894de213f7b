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

    /// <summary>The most compares of a transaction (contract section 1b).</summary>
    public const int MaxTxnCompares = 128;

    /// <summary>The most operations of each branch of a transaction (contract section 1b).</summary>
    public const int MaxTxnOperations = 128;

    /// <summary>
    /// The keys a <c>List</c> returns when its limit is 0 (contract section 1b: at least 1,000).
    /// </summary>
    public const int DefaultListLimit = 1000;

    /// <summary>
    /// The most bytes of one <c>List</c> page, counted as each item's key and value bytes plus
    /// <see cref="ListItemOverheadBytes"/>: a page stops before the item that would pass it (with
    /// more = true), so a response stays well under gRPC's default 4 MiB message size. Any one
    /// item fits it, so a page is never empty while keys follow.
    /// </summary>
    public const int MaxListPageBytes = 3 * 1024 * 1024;

    /// <summary>What a <c>List</c> page counts for an item besides its key and value bytes: at least its protobuf framing.</summary>
    public const int ListItemOverheadBytes = 32;

    /// <summary>The shortest lease time to live a grant may ask for (contract section 1b).</summary>
    public const long MinLeaseTtlMilliseconds = 1_000;

    /// <summary>The longest lease time to live a grant may ask for (contract section 1b: one day).</summary>
    public const long MaxLeaseTtlMilliseconds = 86_400_000;

    /// <summary>
    /// The most leases that exist at once; a grant beyond it is refused (RESOURCE_EXHAUSTED). Not
    /// in the contract's text; it bounds the leader's lease keeper, which checks every lease.
    /// </summary>
    public const int MaxLeases = 10_000;

    /// <summary>
    /// The most keys attached to one lease; a put that would attach one more is refused
    /// (RESOURCE_EXHAUSTED). Not in the contract's text; it bounds the one index at which an
    /// expiry deletes them (and the watch events of that index) to about 1 MiB of keys.
    /// </summary>
    public const int MaxKeysPerLease = 1_000;

    /// <summary>Checks a lease time to live: from <see cref="MinLeaseTtlMilliseconds"/> to <see cref="MaxLeaseTtlMilliseconds"/>.</summary>
    public static string? ValidateLeaseTtl(long ttlMilliseconds) =>
        ttlMilliseconds is < MinLeaseTtlMilliseconds or > MaxLeaseTtlMilliseconds
            ? $"ttl_ms is {ttlMilliseconds}; it must be from {MinLeaseTtlMilliseconds} to {MaxLeaseTtlMilliseconds}"
            : null;

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

    /// <summary>
    /// Checks a <c>List</c> prefix or start key: empty, or valid UTF-16 of at most
    /// <see cref="MaxKeyBytes"/> UTF-8 bytes (<paramref name="what"/> names it in the message).
    /// </summary>
    public static string? ValidateListBound(string? bound, string what) =>
        string.IsNullOrEmpty(bound) ? null : ValidateText(bound, what, MaxKeyBytes);

    /// <summary>
    /// Checks every field of <paramref name="command"/>. A transaction must have at most
    /// <see cref="MaxTxnCompares"/> compares and <see cref="MaxTxnOperations"/> operations per
    /// branch, valid keys and values, operators that suit their targets (EXISTS: EQUAL or
    /// NOT_EQUAL), at most one put or delete of a key per branch, and an encoding of at most
    /// <see cref="KeyValueCommandCodec.MaxEncodedLength"/> bytes, the largest command a node accepts.
    /// </summary>
    public static string? ValidateCommand(KeyValueCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return (command is SingleKeyCommand single ? ValidateKey(single.Key) : null)
            ?? ValidateClientId(command.ClientId)
            ?? command switch
            {
                PutCommand put => ValidateValue(put.Value.Length),
                CompareAndSwapCommand cas => ValidateValue(cas.NewValue.Length) ?? ValidateExpected(cas.ExpectedValue.Length),
                TxnCommand txn => ValidateTxn(txn),
                LeaseGrantCommand grant => ValidateLeaseTtl(grant.TtlMilliseconds),
                _ => null,
            };
    }

    private static string? ValidateTxn(TxnCommand txn)
    {
        if (txn.Compares.Count > MaxTxnCompares)
        {
            return $"the transaction has {txn.Compares.Count} compares; the limit is {MaxTxnCompares}";
        }
        for (int i = 0; i < txn.Compares.Count; i++)
        {
            if (ValidateCompare(txn.Compares[i]) is { } error)
            {
                return $"compare {i}: {error}";
            }
        }
        if ((ValidateBranch(txn.Success, "success") ?? ValidateBranch(txn.Failure, "failure")) is { } branchError)
        {
            return branchError;
        }
        int length = KeyValueCommandCodec.GetEncodedLength(txn);
        return length > KeyValueCommandCodec.MaxEncodedLength
            ? $"the transaction encodes to {length} bytes; the limit is {KeyValueCommandCodec.MaxEncodedLength} bytes, the largest command a node accepts"
            : null;
    }

    private static string? ValidateCompare(TxnCompare compare)
    {
        if (ValidateKey(compare.Key) is { } keyError)
        {
            return keyError;
        }
        if (!Enum.IsDefined(compare.Target))
        {
            return $"target {(int)compare.Target} is not a Compare.Target value";
        }
        if (!Enum.IsDefined(compare.Operator))
        {
            return $"op {(int)compare.Operator} is not a Compare.Op value";
        }
        if (compare.Target == CompareTarget.Exists && compare.Operator is not (CompareOperator.Equal or CompareOperator.NotEqual))
        {
            return "an EXISTS compare takes only EQUAL or NOT_EQUAL";
        }
        return compare.Target == CompareTarget.Value && compare.Value.Length > MaxValueBytes
            ? $"compare value is {compare.Value.Length} bytes; the limit is {MaxValueBytes} (1 MiB)"
            : null;
    }

    private static string? ValidateBranch(IReadOnlyList<TxnOperation> operations, string branch)
    {
        if (operations.Count > MaxTxnOperations)
        {
            return $"the {branch} branch has {operations.Count} operations; the limit is {MaxTxnOperations}";
        }
        var written = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < operations.Count; i++)
        {
            TxnOperation operation = operations[i];
            string? error = ValidateKey(operation.Key)
                ?? (operation is TxnPut put ? ValidateValue(put.Value.Length) : null)
                ?? (operation is not TxnGet && !written.Add(operation.Key)
                    ? $"key '{operation.Key}' is the target of more than one put or delete in this branch"
                    : null);
            if (error is not null)
            {
                return $"{branch} operation {i}: {error}";
            }
        }
        return null;
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
