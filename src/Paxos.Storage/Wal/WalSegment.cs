namespace Paxos.Storage.Wal;

/// <summary>A segment file of the log and the sequence number of its first record.</summary>
internal sealed record WalSegment(long FirstSequence, string Path);
