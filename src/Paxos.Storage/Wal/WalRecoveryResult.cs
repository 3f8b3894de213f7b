namespace Paxos.Storage.Wal;

/// <summary>What <see cref="WriteAheadLog.Open"/> found.</summary>
/// <param name="RecordCount">How many records were recovered (and passed to the callback).</param>
/// <param name="FirstSequence">The sequence number of the first retained record, or of the next record if there is none.</param>
/// <param name="NextSequence">The sequence number the next append gets.</param>
/// <param name="TornTail">The discarded unacknowledged tail, or <see langword="null"/> if the log ended cleanly.</param>
public sealed record WalRecoveryResult(long RecordCount, long FirstSequence, long NextSequence, WalTornTail? TornTail);

/// <summary>An incomplete or damaged end of the last segment, left by a crash during a write and truncated away.</summary>
/// <param name="FilePath">The last segment file.</param>
/// <param name="Offset">Where the discarded bytes started (the file's new length).</param>
/// <param name="DiscardedBytes">How many bytes were discarded.</param>
public sealed record WalTornTail(string FilePath, long Offset, long DiscardedBytes);
