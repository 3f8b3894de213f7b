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
/// Single writer: the replica's driver loop.
/// </summary>
public sealed class ReplicaLogStore : IDisposable
{
    private readonly WriteAheadLog _wal;
    private readonly SortedDictionary<ulong, LogEntry> _entries = [];
    private HardState _hardState;
    private byte[] _scratch = new byte[64 * 1024];

    private ReplicaLogStore(WriteAheadLog wal, HardState hardState, SortedDictionary<ulong, LogEntry> entries)
    {
        _wal = wal;
        _hardState = hardState;
        _entries = entries;
    }

    /// <summary>The largest record this store writes: a slot's batch plus framing.</summary>
    public static int MaxRecordBytes => 8 * 1024 * 1024;

    /// <summary>The last persisted hard state.</summary>
    public HardState HardState => _hardState;

    /// <summary>How many entries the store keeps (all slots above the last checkpoint).</summary>
    public int EntryCount => _entries.Count;

    /// <summary>Opens (or creates) the log in <paramref name="directory"/> and replays it.</summary>
    /// <exception cref="WalCorruptionException">A record before the tail is damaged.</exception>
    public static ReplicaLogStore Open(string directory, ILogger logger)
    {
        var hardState = new HardState(Ballot.Zero, 0);
        var entries = new SortedDictionary<ulong, LogEntry>();
        var wal = WriteAheadLog.Open(directory, record =>
        {
            switch (record.Type)
            {
                case ReplicaRecordCodec.HardStateType:
                    var next = ReplicaRecordCodec.ReadHardState(record.Payload);
                    Invariant.Check(next.Promised >= hardState.Promised, "the promised ballot never goes down in the log");
                    hardState = next;
                    break;
                case ReplicaRecordCodec.EntryType:
                    var entry = ReplicaRecordCodec.ReadEntry(record.Payload);
                    entries[entry.Slot] = entry;
                    break;
                default:
                    throw new InvalidDataException($"unknown replica record type {record.Type} at sequence {record.Sequence}");
            }
        }, new WalOptions { MaxRecordSize = MaxRecordBytes, Logger = logger });
        return new ReplicaLogStore(wal, hardState, entries);
    }

    /// <summary>What a replica restarts from, given the index of the snapshot the application restored (0 if none).</summary>
    public DurableState Recover(ulong snapshotIndex)
    {
        var entries = new List<LogEntry>(_entries.Count);
        foreach (var (slot, entry) in _entries)
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
    /// forget those entries, rewrite the hard state and the remaining entries at the end of the log
    /// (durably), and delete the segments before them.
    /// </summary>
    public void Checkpoint(ulong snapshotIndex)
    {
        var obsolete = new List<ulong>();
        foreach (ulong slot in _entries.Keys)
        {
            if (slot > snapshotIndex)
            {
                break;
            }
            obsolete.Add(slot);
        }
        foreach (ulong slot in obsolete)
        {
            _entries.Remove(slot);
        }
        long firstNeeded = _wal.NextSequence;
        foreach (var entry in _entries.Values.ToList())
        {
            AppendEntry(entry);
        }
        AppendHardState(_hardState);
        _wal.Sync();
        _wal.TruncatePrefix(firstNeeded);
    }

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
        _wal.Append(ReplicaRecordCodec.EntryType, _scratch.AsSpan(0, length));
        _entries[entry.Slot] = entry;
    }
}
