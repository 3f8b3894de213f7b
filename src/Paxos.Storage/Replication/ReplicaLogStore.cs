using Microsoft.Extensions.Logging;
using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.Storage.Wal;

namespace Paxos.Storage.Replication;

/// <summary>
/// The durable log of a Multi-Paxos replica on a <see cref="WriteAheadLog"/>: promised ballot and
/// commit index (hard state) and accepted/chosen entries. <see cref="Persist"/> appends everything
/// of one <see cref="Ready"/> and, when it carries entries or a new promise, makes it durable with a
/// single fsync (group commit), before the driver sends any message that depends on it; a commit
/// index alone is only written to the file (it survives a process crash) and made durable by the
/// next fsync. Recovery replays the log: the last hard state
/// wins and, for each slot, the last entry written. <see cref="Checkpoint"/> rewrites what is
/// still needed after a snapshot and deletes older segments, so disk use stays bounded.
/// The store keeps no copy of the entries: the replica's log in memory is the one copy, handed
/// over at recovery and handed back at each checkpoint. Single writer: the replica's driver loop.
/// </summary>
public sealed class ReplicaLogStore : IDisposable
{
    private readonly WriteAheadLog _wal;
    private SortedDictionary<ulong, LogEntry>? _recovered;
    private HardState _hardState;
    private byte[] _scratch = new byte[64 * 1024];

    private ReplicaLogStore(WriteAheadLog wal, HardState hardState, SortedDictionary<ulong, LogEntry> recovered)
    {
        _wal = wal;
        _hardState = hardState;
        _recovered = recovered;
    }

    /// <summary>The largest record this store writes: a slot's batch plus framing.</summary>
    public static int MaxRecordBytes => 8 * 1024 * 1024;

    /// <summary>The last persisted hard state.</summary>
    public HardState HardState => _hardState;

    /// <summary>Opens (or creates) the log in <paramref name="directory"/> and replays it.</summary>
    /// <exception cref="WalCorruptionException">A record before the tail is damaged.</exception>
    public static ReplicaLogStore Open(string directory, ILogger logger) =>
        Open(directory, new WalOptions { MaxRecordSize = MaxRecordBytes, Logger = logger });

    /// <summary>
    /// Opens the log with <paramref name="options"/> (tests and the simulator use small segments).
    /// <paramref name="forgetPromise"/> plants a bug for the simulator: the promised ballot is recovered as zero.
    /// </summary>
    internal static ReplicaLogStore Open(string directory, WalOptions options, bool forgetPromise = false)
    {
        var hardState = new HardState(Ballot.Zero, 0);
        var entries = new SortedDictionary<ulong, LogEntry>();
        var wal = WriteAheadLog.Open(directory, record =>
        {
            switch (record.Type)
            {
                case ReplicaRecordCodec.HardStateType:
                    var next = ReplicaRecordCodec.ReadHardState(record.Payload);
                    if (forgetPromise)
                    {
                        hardState = next with { Promised = Ballot.Zero };
                        break;
                    }
                    Invariant.Check(next.Promised >= hardState.Promised, "the promised ballot never goes down in the log");
                    hardState = next;
                    break;
                case ReplicaRecordCodec.EntryType or ReplicaRecordCodec.EntryWithoutOriginType or ReplicaRecordCodec.MembershipEntryType:
                    var entry = ReplicaRecordCodec.ReadEntry(record.Type, record.Payload);
                    entries[entry.Slot] = entry;
                    break;
                default:
                    throw new InvalidDataException($"unknown replica record type {record.Type} at sequence {record.Sequence}");
            }
        }, options);
        return new ReplicaLogStore(wal, hardState, entries);
    }

    /// <summary>
    /// What a replica restarts from, given the index of the snapshot the application restored (0 if
    /// none): the last hard state and, in slot order, the last entry written for each slot above
    /// that index. Called once, before the first <see cref="Persist"/>; the replica keeps the entries.
    /// </summary>
    public DurableState Recover(ulong snapshotIndex)
    {
        var recovered = _recovered ?? throw new InvalidOperationException("the log was already recovered");
        _recovered = null;
        var entries = new List<LogEntry>(recovered.Count);
        foreach (var (slot, entry) in recovered)
        {
            if (slot > snapshotIndex)
            {
                entries.Add(entry);
            }
        }
        return new DurableState(_hardState, snapshotIndex, entries);
    }

    /// <summary>
    /// Writes a ready's hard state and entries: all appended, then, if <paramref name="sync"/>, one fsync
    /// that makes them (and everything appended before) durable; otherwise they are handed to the
    /// operating system, so that a crash of the process (not of the machine) keeps them.
    /// </summary>
    public void Persist(HardState? hardState, IReadOnlyList<LogEntry> entries, bool sync)
    {
        Invariant.Check(_recovered is null, "recover the log before writing to it");
        if (hardState is null && entries.Count == 0)
        {
            return;
        }
        foreach (var entry in entries)
        {
            AppendEntry(entry);
        }
        if (hardState is { } state)
        {
            AppendHardState(state);
        }
        if (sync)
        {
            _wal.Sync();
        }
        else
        {
            _wal.Flush();
        }
    }

    /// <summary>
    /// After the application saved a snapshot covering every slot up to <paramref name="snapshotIndex"/>:
    /// rewrite the hard state and <paramref name="retained"/> (every entry the replica holds above
    /// that index, <see cref="ReplicaCore.RetainedEntries"/>: each was persisted here before) at the
    /// end of the log, durably, and delete the segments before them.
    /// </summary>
    public void Checkpoint(ulong snapshotIndex, IEnumerable<LogEntry> retained) =>
        CompleteCheckpoint(BeginCheckpoint(snapshotIndex, retained));

    /// <summary>
    /// The first half of a <see cref="Checkpoint"/> for a snapshot at <paramref name="snapshotIndex"/> that is still
    /// being written: appends the hard state and <paramref name="retained"/> (every entry held above that index now)
    /// without an fsync, and returns the mark to hand to <see cref="CompleteCheckpoint"/> once the snapshot is
    /// durable. Everything the log needs above the snapshot is then at or after the mark: the entries held now were
    /// rewritten after it, later ones are appended after it. Until then nothing is deleted, so a crash before the
    /// snapshot is durable restarts from the older one with the log intact.
    /// </summary>
    public long BeginCheckpoint(ulong snapshotIndex, IEnumerable<LogEntry> retained)
    {
        ArgumentNullException.ThrowIfNull(retained);
        Invariant.Check(_recovered is null, "recover the log before writing to it");
        long mark = _wal.NextSequence;
        foreach (var entry in retained)
        {
            Invariant.Check(entry.Slot > snapshotIndex, "a checkpoint keeps only entries above its snapshot");
            AppendEntry(entry);
        }
        AppendHardState(_hardState);
        _wal.Flush();
        return mark;
    }

    /// <summary>
    /// The second half of a <see cref="Checkpoint"/>, once its snapshot is durable: makes what
    /// <see cref="BeginCheckpoint"/> rewrote durable, then deletes the segments wholly before <paramref name="mark"/>.
    /// </summary>
    public void CompleteCheckpoint(long mark)
    {
        Invariant.Check(mark <= _wal.NextSequence, "a checkpoint's mark was taken from this log");
        _wal.Sync();
        _wal.TruncatePrefix(mark);
    }

    /// <summary>Closes the log's files; everything appended and synced stays on disk.</summary>
    public void Dispose() => _wal.Dispose();

    private void AppendHardState(HardState state)
    {
        Invariant.Check(state.Promised >= _hardState.Promised, "the promised ballot never goes down");
        Span<byte> payload = stackalloc byte[ReplicaRecordCodec.HardStateLength];
        ReplicaRecordCodec.WriteHardState(state, payload);
        _wal.Append(ReplicaRecordCodec.HardStateType, payload);
        _hardState = state;
    }

    private void AppendEntry(LogEntry entry)
    {
        int length = ReplicaRecordCodec.EntryLength(entry);
        if (_scratch.Length < length)
        {
            _scratch = new byte[Math.Max(length, _scratch.Length * 2)];
        }
        ReplicaRecordCodec.WriteEntry(entry, _scratch);
        _wal.Append(ReplicaRecordCodec.TypeOf(entry), _scratch.AsSpan(0, length));
    }
}
