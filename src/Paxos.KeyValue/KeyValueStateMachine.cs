using System.Collections.Concurrent;
using System.Diagnostics;
using Paxos.Core;
using Paxos.KeyValue.Watching;

namespace Paxos.KeyValue;

/// <summary>
/// The replicated key-value store: applies <see cref="KeyValueCommand"/>s (encoded with
/// <see cref="KeyValueCommandCodec"/>) in log order and answers local reads.
/// </summary>
/// <remarks>
/// <para><b>Index.</b> Every command is applied at an index that the driver passes to
/// <see cref="Apply"/> and that must grow strictly, starting at 1 or above; 0 means "no write".
/// The node passes the command's position in the log of all commands (one per command, also when
/// a slot holds a batch), so the index reported for every write grows strictly, as the client
/// contract requires.</para>
/// <para><b>Reads.</b> <see cref="TryGet"/> reports a key's value and the index of the write that
/// set it. An absent key, whether never written or deleted, reports index 0: deletes leave no
/// tombstone, so the store's memory holds only live keys.</para>
/// <para><b>Exactly once.</b> A command with a non-empty client id is applied at most once per
/// (client id, request id). A client's requests are sequential, so only its latest write is
/// remembered: the same request id again gets the first result (whatever the retried command
/// holds), a lower one gets a <see cref="StaleRequestResult"/>, a higher one is applied. Clients
/// are forgotten, least recently written first, beyond the bounds of
/// <see cref="KeyValueStateMachineOptions"/>; a retry after that is applied again. Eviction
/// depends only on the log, so every replica forgets the same clients.</para>
/// <para><b>Invalid commands.</b> Malformed bytes or a command outside
/// <see cref="KeyValueLimits"/> get a <see cref="RejectedResult"/> and change nothing but the
/// last applied index: every replica rejects it alike and carries on.</para>
/// <para><b>Transactions.</b> A <see cref="TxnCommand"/> evaluates its compares, then runs one
/// branch's operations in order (a get sees the branch's earlier puts and deletes), all at its one
/// index, and changes the store only if its result fits <see cref="KeyValueResultCodec.MaxEncodedLength"/>;
/// otherwise it gets a <see cref="RejectedResult"/> and changes nothing, alike on every replica.</para>
/// <para><b>Changes.</b> Every put and every delete of a key that existed, whichever command made
/// it, is recorded where keys are set and removed and published to <see cref="Changes"/> with its
/// command's index once the command is applied; a command that changes nothing publishes nothing.
/// A restored snapshot resets the feed to the snapshot's index.</para>
/// <para><b>Leases.</b> A lease (<see cref="LeaseGrantCommand"/>, id = its grant's index) holds
/// the keys put with its id; <see cref="LeaseRevokeCommand"/> and an effective
/// <see cref="LeaseExpireCommand"/> delete them all at the command's one index, through the same
/// removal as <see cref="DeleteCommand"/>. A put naming a lease that does not exist gets a
/// <see cref="LeaseNotFoundResult"/> and changes nothing; a put without a lease detaches the key.
/// When a lease expires is not state: the leader decides it, and an expiry takes effect only in the
/// lease epoch of the leader that decided it (see docs/design.md, Leases).</para>
/// <para><b>Threads.</b> <see cref="Apply"/>, <see cref="WriteSnapshot"/>, <see cref="CaptureSnapshot"/> and
/// <see cref="RestoreSnapshot"/> must be called from one thread at a time (the apply loop); the writer
/// <see cref="CaptureSnapshot"/> returns runs on any thread.
/// <see cref="TryGet"/>, <see cref="List"/>, <see cref="LastAppliedIndex"/>, <see cref="Count"/> and
/// the lease queries may be called from any thread concurrently with them. Once a reader sees
/// <see cref="LastAppliedIndex"/> at or above an index, <see cref="TryGet"/> and <see cref="List"/>
/// reflect every write up to that index (the read-index wait). <see cref="TryGet"/> takes no lock;
/// <see cref="List"/> and the lease queries take the lock that each whole <see cref="Apply"/> holds, so a page is the
/// state between two commands, never in the middle of a transaction.</para>
/// </remarks>
public sealed class KeyValueStateMachine : IStateMachine
{
    /// <summary>Keys after every valid key that starts with a given prefix: U+10FFFF (the highest code point) more times than a key has bytes.</summary>
    private static readonly string AboveEveryKey = string.Concat(Enumerable.Repeat(char.ConvertFromUtf32(0x10FFFF), KeyValueLimits.MaxKeyBytes + 1));

    private readonly KeyValueStateMachineOptions _options;

    /// <summary>Held by each whole <see cref="Apply"/> and <see cref="RestoreSnapshot"/>, and by <see cref="List"/>: guards <see cref="_keys"/> and makes pages consistent cuts.</summary>
    private readonly Lock _cut = new();
    private volatile ConcurrentDictionary<string, StoredValue> _data = new(StringComparer.Ordinal);

    /// <summary>The keys of <see cref="_data"/> in UTF-8 byte order, for <see cref="List"/>.</summary>
    private SortedSet<string> _keys = new(Utf8Order.Instance);
    private ClientTable _clients = new();
    private LeaseTable _leases = new();
    private long _leaseGeneration;
    private ulong _lastAppliedIndex;

    /// <summary>Creates an empty store with the default <see cref="KeyValueStateMachineOptions"/>.</summary>
    public KeyValueStateMachine()
        : this(new KeyValueStateMachineOptions())
    {
    }

    /// <summary>Creates an empty store; every replica must use equal <paramref name="options"/>.</summary>
    public KeyValueStateMachine(KeyValueStateMachineOptions options)
        : this(options, new ChangeFeedOptions())
    {
    }

    /// <summary>Creates an empty store whose <see cref="Changes"/> keep to <paramref name="changeFeed"/> (local to this replica).</summary>
    public KeyValueStateMachine(KeyValueStateMachineOptions options, ChangeFeedOptions changeFeed)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        Changes = new ChangeFeed(changeFeed);
    }

    /// <summary>The changes this store applies, for watches.</summary>
    public ChangeFeed Changes { get; }

    /// <summary>The index of the last applied command (0 before the first), for read-index waits.</summary>
    public ulong LastAppliedIndex => Volatile.Read(ref _lastAppliedIndex);

    /// <summary>The number of keys.</summary>
    public int Count => _data.Count;

    /// <summary>Changes whenever a lease is granted or ends (or a snapshot is restored); a cheap way to notice that <see cref="Leases"/> changed.</summary>
    public long LeaseGeneration => Volatile.Read(ref _leaseGeneration);

    /// <summary>The lease epoch: the ballot of the leader whose expiries take effect (<see cref="LeaseEpochCommand"/>).</summary>
    public Ballot LeaseEpoch
    {
        get
        {
            lock (_cut)
            {
                return _leases.Epoch;
            }
        }
    }

    /// <summary>Whether lease <paramref name="leaseId"/> exists, and its time to live.</summary>
    public bool TryGetLease(ulong leaseId, out long ttlMilliseconds)
    {
        lock (_cut)
        {
            bool found = _leases.TryGet(leaseId, out LeaseTable.Lease? lease);
            ttlMilliseconds = found ? lease!.TtlMilliseconds : 0;
            return found;
        }
    }

    /// <summary>Every lease, in ascending id order, at most <see cref="KeyValueLimits.MaxLeases"/>.</summary>
    public IReadOnlyList<LeaseInfo> Leases()
    {
        lock (_cut)
        {
            return [.. _leases.InIdOrder.Select(pair => new LeaseInfo(pair.Key, pair.Value.TtlMilliseconds, pair.Value.Keys.Count))];
        }
    }

    /// <summary>The number of clients in the exactly-once table.</summary>
    internal int ClientCount => _clients.Count;

    /// <summary>
    /// Reads <paramref name="key"/> from the local state, without allocating. The returned value
    /// is immutable and stays valid after later writes.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value, or empty if the key is absent.</param>
    /// <param name="index">The index of the write that set the value, or 0 if the key is absent.</param>
    /// <returns>Whether the key exists.</returns>
    public bool TryGet(string key, out ReadOnlyMemory<byte> value, out ulong index)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_data.TryGetValue(key, out StoredValue stored))
        {
            value = stored.Value;
            index = stored.Index;
            return true;
        }
        value = ReadOnlyMemory<byte>.Empty;
        index = 0;
        return false;
    }

    /// <summary>A command with a client id is applied once per client and request id (a repeat answers the first result): its header identifies it.</summary>
    public int IdentityLength(ReadOnlySpan<byte> command) => KeyValueCommandCodec.IdentityLength(command);

    /// <summary>Applies one encoded <see cref="KeyValueCommand"/> and returns its encoded <see cref="KeyValueResult"/>.</summary>
    /// <param name="index">
    /// The command's index: its position in the log of all commands, greater than
    /// <see cref="LastAppliedIndex"/>. Reported to the client as the write's index.
    /// </param>
    /// <param name="command">The command, as encoded by <see cref="KeyValueCommandCodec"/>.</param>
    /// <returns>The result, encoded by <see cref="KeyValueResultCodec"/>; the caller owns the array.</returns>
    /// <exception cref="InvariantViolationException">The index does not grow.</exception>
    public byte[] Apply(ulong index, ReadOnlySpan<byte> command)
    {
        Invariant.Check(index > _lastAppliedIndex, $"command index {index} must be above the last applied index {_lastAppliedIndex}");
        lock (_cut)
        {
            if (_options.ClientExpiryIndexes is { } window && index > window)
            {
                _clients.ExpireBefore(index - window);
            }
            byte[] result = ApplyCommand(index, command);
            Volatile.Write(ref _lastAppliedIndex, index);
            Changes.Publish(index);
            return result;
        }
    }

    /// <summary>
    /// Reads one page of the keys that start with <paramref name="prefix"/> and come after
    /// <paramref name="startAfter"/> in UTF-8 byte order: at most <paramref name="limit"/> of them,
    /// and no more than <see cref="KeyValueLimits.MaxListPageBytes"/> (each item counted as its key
    /// and value bytes plus <see cref="KeyValueLimits.ListItemOverheadBytes"/>). The page is one
    /// consistent cut at its <see cref="KeyValuePage.ReadIndex"/>.
    /// </summary>
    /// <param name="prefix">The prefix; empty for every key.</param>
    /// <param name="startAfter">Only keys after this one; empty for no such bound.</param>
    /// <param name="limit">The most items, at least 1.</param>
    public KeyValuePage List(string prefix, string startAfter, int limit)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(startAfter);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        string upper = prefix + AboveEveryKey;
        bool afterPrefix = Utf8Order.Instance.Compare(startAfter, prefix) >= 0;
        string lower = afterPrefix ? startAfter : prefix;
        var items = new List<KeyValueEntry>();
        lock (_cut)
        {
            ulong readIndex = _lastAppliedIndex;
            if (Utf8Order.Instance.Compare(lower, upper) > 0)
            {
                return new KeyValuePage(items, false, readIndex);
            }
            long bytes = 0;
            foreach (string key in _keys.GetViewBetween(lower, upper))
            {
                if (afterPrefix && key.Equals(startAfter, StringComparison.Ordinal))
                {
                    continue;
                }
                StoredValue stored = _data[key];
                long itemBytes = WireFormat.StrictUtf8.GetByteCount(key) + stored.Value.Length + KeyValueLimits.ListItemOverheadBytes;
                if (items.Count == limit || bytes + itemBytes > KeyValueLimits.MaxListPageBytes)
                {
                    return new KeyValuePage(items, true, readIndex);
                }
                items.Add(new KeyValueEntry(key, stored.Value, stored.Index, stored.LeaseId));
                bytes += itemBytes;
            }
            return new KeyValuePage(items, false, readIndex);
        }
    }

    /// <summary>
    /// Writes the keys, the exactly-once table, the leases and the last applied index in the format of
    /// <see cref="KeyValueSnapshot"/>, with a CRC-32C. Equal states give equal bytes.
    /// </summary>
    public void WriteSnapshot(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        KeyValueSnapshot.Write(destination, KeyValueSnapshot.Capture(_lastAppliedIndex, _data, _clients, _leases));
    }

    /// <summary>
    /// Captures the state for a snapshot written off the apply loop: copies the tables (not the values, which are
    /// immutable) now; the writer it returns writes the bytes <see cref="WriteSnapshot"/> would have written now, on
    /// any thread, whatever is applied in between.
    /// </summary>
    public Action<Stream> CaptureSnapshot()
    {
        KeyValueSnapshot.Captured state = KeyValueSnapshot.Capture(_lastAppliedIndex, _data, _clients, _leases);
        return destination =>
        {
            ArgumentNullException.ThrowIfNull(destination);
            KeyValueSnapshot.Write(destination, state);
        };
    }

    /// <summary>
    /// Replaces the whole state with a snapshot from <see cref="WriteSnapshot"/>. The snapshot is
    /// read and checked completely before anything is replaced.
    /// </summary>
    /// <exception cref="InvalidDataException">The snapshot is corrupt, truncated or of another version; the state is unchanged.</exception>
    public void RestoreSnapshot(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        SnapshotContents contents = KeyValueSnapshot.Read(source);
        var keys = new SortedSet<string>(contents.Data.Keys, Utf8Order.Instance);
        lock (_cut)
        {
            _data = contents.Data;
            _keys = keys;
            _clients = contents.Clients;
            _leases = contents.Leases;
            Interlocked.Increment(ref _leaseGeneration);
            Volatile.Write(ref _lastAppliedIndex, contents.LastAppliedIndex);
            Changes.Reset(contents.LastAppliedIndex);
        }
    }

    private byte[] ApplyCommand(ulong index, ReadOnlySpan<byte> encoded)
    {
        KeyValueCommand command;
        try
        {
            command = KeyValueCommandCodec.Decode(encoded);
        }
        catch (FormatException e)
        {
            return KeyValueResultCodec.Encode(new RejectedResult(e.Message));
        }
        if (KeyValueLimits.ValidateCommand(command) is { } error)
        {
            return KeyValueResultCodec.Encode(new RejectedResult(error));
        }
        if (command.ClientId.Length == 0)
        {
            return KeyValueResultCodec.Encode(Execute(index, command));
        }
        if (_clients.TryGet(command.ClientId, out ClientRecord? latest))
        {
            if (command.RequestId < latest.RequestId)
            {
                return KeyValueResultCodec.Encode(new StaleRequestResult(latest.RequestId));
            }
            if (command.RequestId == latest.RequestId)
            {
                return latest.Result.AsSpan().ToArray();
            }
        }
        byte[] result = KeyValueResultCodec.Encode(Execute(index, command));
        _clients.Record(new ClientRecord(command.ClientId, command.RequestId, index, result));
        _clients.TrimTo(_options.MaxClients, _options.MaxCachedResultBytes);
        return result.AsSpan().ToArray();
    }

    private KeyValueResult Execute(ulong index, KeyValueCommand command)
    {
        switch (command)
        {
            case PutCommand put:
                if (RefuseLease(put.LeaseId, put.Key, 1) is { } refusal)
                {
                    return refusal;
                }
                Set(put.Key, new StoredValue(put.ValueArray, index, put.LeaseId));
                return new PutResult(index);
            case DeleteCommand delete:
                return new DeleteResult(Remove(delete.Key), index);
            case CompareAndSwapCommand cas:
                bool found = _data.TryGetValue(cas.Key, out StoredValue current);
                bool holds = cas.ExpectAbsent ? !found : found && current.Value.AsSpan().SequenceEqual(cas.ExpectedValue.Span);
                if (!holds)
                {
                    return found ? new CasResult(false, true, current.Value, current.Index) : new CasResult(false, false, ReadOnlyMemory<byte>.Empty, 0);
                }
                Set(cas.Key, new StoredValue(cas.NewValueArray, index));
                return new CasResult(true, found, ReadOnlyMemory<byte>.Empty, index);
            case TxnCommand txn:
                return ExecuteTxn(index, txn);
            case LeaseGrantCommand grant:
                if (_leases.Count >= KeyValueLimits.MaxLeases)
                {
                    return new ExhaustedResult($"{_leases.Count} leases exist; the limit is {KeyValueLimits.MaxLeases}");
                }
                _leases.Grant(index, grant.TtlMilliseconds);
                Interlocked.Increment(ref _leaseGeneration);
                return new LeaseGrantResult(index, grant.TtlMilliseconds);
            case LeaseRevokeCommand revoke:
                return new LeaseRevokeResult(EndLease(revoke.LeaseId), index);
            case LeaseExpireCommand expire:
                return new LeaseRevokeResult(expire.Epoch == _leases.Epoch && EndLease(expire.LeaseId), index);
            case LeaseEpochCommand epoch:
                if (epoch.Epoch > _leases.Epoch)
                {
                    _leases.Epoch = epoch.Epoch;
                }
                return new LeaseEpochResult(_leases.Epoch);
            default:
                throw new UnreachableException($"The codec decoded an unknown command type {command.GetType().Name}.");
        }
    }

    /// <summary>
    /// Runs the branch against a staged overlay of the store (null: deleted), then writes the
    /// overlay only if the result fits; a transaction never changes the store half way.
    /// </summary>
    private KeyValueResult ExecuteTxn(ulong index, TxnCommand txn)
    {
        bool succeeded = true;
        foreach (TxnCompare compare in txn.Compares)
        {
            bool found = _data.TryGetValue(compare.Key, out StoredValue current);
            succeeded &= compare.Holds(found, current);
        }
        IReadOnlyList<TxnOperation> operations = succeeded ? txn.Success : txn.Failure;
        if (RefuseLeases(operations) is { } refusal)
        {
            return refusal;
        }
        var staged = new Dictionary<string, StoredValue?>(StringComparer.Ordinal);
        var results = new List<KeyValueResult>(operations.Count);
        foreach (TxnOperation operation in operations)
        {
            StoredValue? visible = staged.TryGetValue(operation.Key, out StoredValue? overlay) ? overlay
                : _data.TryGetValue(operation.Key, out StoredValue stored) ? (StoredValue?)stored : null;
            switch (operation)
            {
                case TxnPut put:
                    staged[put.Key] = new StoredValue(put.ValueArray, index, put.LeaseId);
                    results.Add(new PutResult(index));
                    break;
                case TxnDelete delete:
                    staged[delete.Key] = null;
                    results.Add(new DeleteResult(visible is not null, index));
                    break;
                default:
                    results.Add(visible is { } seen ? new GetResult(true, seen.Value, seen.Index) : new GetResult(false, ReadOnlyMemory<byte>.Empty, 0));
                    break;
            }
        }
        var result = new TxnResult(succeeded, results, index);
        int length = KeyValueResultCodec.GetEncodedLength(result);
        if (length > KeyValueResultCodec.MaxEncodedLength)
        {
            return new RejectedResult(
                $"the transaction's result would take {length} bytes (its gets return too much); the limit is {KeyValueResultCodec.MaxEncodedLength} bytes, and nothing was changed");
        }
        foreach (var (key, value) in staged)
        {
            if (value is { } stored)
            {
                Set(key, stored);
            }
            else
            {
                Remove(key);
            }
        }
        return result;
    }

    /// <summary>
    /// Why a put of <paramref name="key"/> attached to lease <paramref name="leaseId"/> (0: none)
    /// must be refused, counting <paramref name="attaching"/> keys newly attached to that lease by
    /// the command; null when it may go ahead.
    /// </summary>
    private KeyValueResult? RefuseLease(ulong leaseId, string key, int attaching)
    {
        if (leaseId == 0)
        {
            return null;
        }
        if (!_leases.TryGet(leaseId, out LeaseTable.Lease? lease))
        {
            return new LeaseNotFoundResult(leaseId);
        }
        return !lease.Keys.Contains(key) && lease.Keys.Count + attaching > KeyValueLimits.MaxKeysPerLease
            ? new ExhaustedResult($"lease {leaseId} has {lease.Keys.Count} keys; the limit is {KeyValueLimits.MaxKeysPerLease} per lease")
            : null;
    }

    /// <summary>
    /// <see cref="RefuseLease"/> for every put of a transaction's branch, each lease counting all
    /// the keys the branch newly attaches to it (keys it moves away are not subtracted).
    /// </summary>
    private KeyValueResult? RefuseLeases(IReadOnlyList<TxnOperation> operations)
    {
        var attaching = new Dictionary<ulong, int>();
        foreach (TxnOperation operation in operations)
        {
            if (operation is TxnPut { LeaseId: not 0 } put
                && !(_leases.TryGet(put.LeaseId, out LeaseTable.Lease? lease) && lease.Keys.Contains(put.Key)))
            {
                attaching[put.LeaseId] = attaching.GetValueOrDefault(put.LeaseId) + 1;
            }
        }
        foreach (TxnOperation operation in operations)
        {
            if (operation is TxnPut put && RefuseLease(put.LeaseId, put.Key, attaching.GetValueOrDefault(put.LeaseId)) is { } refusal)
            {
                return refusal;
            }
        }
        return null;
    }

    /// <summary>Ends a lease, deleting every key attached to it; returns whether it existed. Called with <see cref="_cut"/> held.</summary>
    private bool EndLease(ulong leaseId)
    {
        if (!_leases.TryGet(leaseId, out LeaseTable.Lease? lease))
        {
            return false;
        }
        foreach (string key in lease.Keys.Order(StringComparer.Ordinal).ToArray())
        {
            Invariant.Check(Remove(key), $"key '{key}' of lease {leaseId} exists");
        }
        _leases.End(leaseId);
        Interlocked.Increment(ref _leaseGeneration);
        return true;
    }

    /// <summary>Writes a key, records the change and moves the key to its new lease; called with <see cref="_cut"/> held, so <see cref="_keys"/> changes only then.</summary>
    private void Set(string key, StoredValue value)
    {
        Changes.Record(ChangeKind.Put, key, value.Value);
        if (_data.TryGetValue(key, out StoredValue old))
        {
            if (old.LeaseId != 0 && old.LeaseId != value.LeaseId)
            {
                _leases.Detach(old.LeaseId, key);
            }
            _data[key] = value;
        }
        else
        {
            _data[key] = value;
            _keys.Add(key);
        }
        if (value.LeaseId != 0)
        {
            _leases.Attach(value.LeaseId, key);
        }
    }

    /// <summary>Deletes a key, records the change and detaches the key from its lease if it existed; returns whether it did. Called with <see cref="_cut"/> held.</summary>
    private bool Remove(string key)
    {
        if (!_data.TryRemove(key, out StoredValue removed))
        {
            return false;
        }
        Changes.Record(ChangeKind.Delete, key, ReadOnlyMemory<byte>.Empty);
        _keys.Remove(key);
        if (removed.LeaseId != 0)
        {
            _leases.Detach(removed.LeaseId, key);
        }
        return true;
    }
}
