namespace Paxos.Storage.Wal;

/// <summary>Receives each record recovered by <see cref="WriteAheadLog.Open"/>, in log order.</summary>
/// <param name="record">The record; copy its payload if it must outlive the call.</param>
public delegate void WalRecordHandler(WalRecord record);
