using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.Storage.Replication;
using Paxos.Storage.Wal;

namespace Paxos.Fuzz.Afl;

/// <summary>
/// The replica's write-ahead log as a node reads it back after a crash: the input is its first
/// segment file. Recovery gives back a log or refuses with <see cref="WalCorruptionException"/>.
/// </summary>
public static class WalTarget
{
    private static readonly WalOptions SmallSegments = new() { SegmentSize = 4096, MaxRecordSize = 2048 };

    private static readonly string Root = Path.Combine(Path.GetTempPath(), $"paxos-fuzz-wal-{Environment.ProcessId}");

    public static FuzzTarget Target { get; } = new("wal", Seeds, Take, typeof(WalCorruptionException));

    /// <summary>The name of the first segment; the input is written under it.</summary>
    private static string FirstSegment => SegmentFileName.Format(1);

    /// <summary>The segments of a log of promises, commands and membership changes.</summary>
    private static byte[][] Seeds()
    {
        string template = Path.Combine(Root, "template");
        if (Directory.Exists(template))
        {
            Directory.Delete(template, recursive: true);
        }
        using (var store = ReplicaLogStore.Open(template, SmallSegments))
        {
            store.Recover(0);
            for (ulong round = 1; round <= 3; round++)
            {
                var ballot = new Ballot(round, (int)round % 3);
                var entries = Enumerable.Range(1, 8).Select(slot => new LogEntry((ulong)slot, ballot, slot % 4 == 0
                    ? new SlotValue(Membership.Founding([.. Enumerable.Range(0, slot / 2).Select(n => ($"node-{n}", $"http://node-{n}:7000"))]), ballot)
                    : new SlotValue([new byte[] { (byte)round, (byte)slot }, new byte[40 * (slot % 3)]], ballot))).ToList();
                store.Persist(new HardState(ballot, round * 2), entries, sync: false);
            }
        }
        var segments = Directory.GetFiles(template).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        Directory.Delete(template, recursive: true);
        return segments;
    }

    private static void Take(byte[] input)
    {
        string directory = Path.Combine(Root, "log");
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, FirstSegment), input);
        using var store = ReplicaLogStore.Open(directory, SmallSegments);
        store.Recover(0);
    }
}
