using BenchmarkDotNet.Attributes;
using Paxos.Storage.Wal;

namespace Paxos.MicroBenchmarks;

/// <summary>
/// Group commit in the write-ahead log, on the real file system in a temporary directory: a driver
/// loop's <c>Append</c> of a batch followed by one <c>Sync</c>.
/// </summary>
[MemoryDiagnoser]
public class WalAppendBenchmarks
{
    private const byte RecordType = 1;

    private readonly byte[] _payload = new byte[128];
    private string _directory = "";
    private WriteAheadLog? _log;

    /// <summary>Records per batch (per fsync).</summary>
    [Params(16, 64)]
    public int Records { get; set; }

    /// <summary>Opens a new log in a new temporary directory.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Random.Shared.NextBytes(_payload);
        _directory = Directory.CreateTempSubdirectory("paxos-wal-bench-").FullName;
        _log = WriteAheadLog.Open(_directory, _ => { });
    }

    /// <summary>Closes the log and deletes its directory.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _log?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A driver loop's batch: <see cref="Records"/> appends, then one fsync.</summary>
    [Benchmark]
    public long AppendThenSync()
    {
        WriteAheadLog log = _log!;
        long last = 0;
        for (int i = 0; i < Records; i++)
        {
            last = log.Append(RecordType, _payload);
        }
        log.Sync();
        return last;
    }
}
