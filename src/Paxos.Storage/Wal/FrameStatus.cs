namespace Paxos.Storage.Wal;

/// <summary>The outcome of parsing a frame.</summary>
internal enum FrameStatus
{
    Valid,
    Incomplete,
    BadLength,
    BadChecksum,
}
