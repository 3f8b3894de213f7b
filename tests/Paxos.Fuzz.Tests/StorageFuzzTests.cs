using CsCheck;
using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.Storage;
using Paxos.Storage.Replication;
using Paxos.Storage.Snapshots;
using Paxos.Storage.Wal;
using Xunit.Abstractions;

namespace Paxos.Fuzz.Tests;

/// <summary>
/// What a node reads back from its disk after a crash or damage: the replica's write-ahead log and
/// its snapshots. Recovery either refuses with its corruption exception, or gives back only what
/// was written (a torn tail cut off): never a value or a promise nobody wrote.
/// </summary>
public sealed class StorageFuzzTests(ITestOutputHelper output) : IDisposable
{
    private static readonly WalOptions SmallSegments = new() { SegmentSize = 4096, MaxRecordSize = 2048 };

    private readonly string _root = Path.Combine(Path.GetTempPath(), "paxos-fuzz-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void The_log_recovers_only_what_was_written_or_reports_corruption()
    {
        string template = Path.Combine(_root, "template");
        var written = new List<LogEntry>();
        var promises = new List<HardState> { new(Ballot.Zero, 0) };
        using (var store = ReplicaLogStore.Open(template, SmallSegments))
        {
            store.Recover(0);
            for (ulong round = 1; round <= 5; round++)
            {
                var ballot = new Ballot(round, (int)round % 3);
                var entries = Enumerable.Range(1, 12).Select(slot => new LogEntry((ulong)slot, ballot, slot % 6 == 0
                    ? new SlotValue(Membership.Founding([.. Enumerable.Range(0, slot / 2).Select(n => ($"node-{round}-{n}", $"http://node-{n}:7000"))]), ballot)
                    : new SlotValue([new byte[] { (byte)round, (byte)slot }, new byte[100 * (slot % 4)]], ballot))).ToList();
                var state = new HardState(ballot, round * 3);
                store.Persist(state, entries, sync: true);
                written.AddRange(entries);
                promises.Add(state);
            }
        }
        var segments = Directory.GetFiles(template).Order(StringComparer.Ordinal).Select(path => (Name: Path.GetFileName(path), Bytes: File.ReadAllBytes(path))).ToArray();
        Assert.True(segments.Length >= 3, $"the log should span several segments, not {segments.Length}");

        var damage = Gen.Select(Gen.Int[0, segments.Length - 1], Gen.Int[0, 4], Gen.Int[1, 8], Gen.Int,
            (segment, kind, count, seed) => (Segment: segment, Kind: kind, Count: count, Seed: seed));
        string directory = Path.Combine(_root, "damaged");
        Fuzz.Check(output, damage, _ => segments.Sum(s => s.Bytes.Length), input =>
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
            Directory.CreateDirectory(directory);
            var random = new Random(input.Seed);
            for (int i = 0; i < segments.Length; i++)
            {
                byte[] bytes = segments[i].Bytes;
                if (i == input.Segment)
                {
                    if (input.Kind == 4)
                    {
                        continue; // the segment is lost
                    }
                    bytes = input.Kind == 3 ? Zeroed(bytes, random) : Mutations.Mutate(bytes, segments[random.Next(segments.Length)].Bytes, input.Count, random);
                }
                File.WriteAllBytes(Path.Combine(directory, segments[i].Name), bytes);
            }

            using var store = ReplicaLogStore.Open(directory, SmallSegments);
            var recovered = store.Recover(0);
            Assert.Contains(recovered.HardState, promises);
            foreach (var entry in recovered.Entries)
            {
                Assert.Contains(written, w => w.Slot == entry.Slot && w.Ballot == entry.Ballot && w.Value.ContentEquals(entry.Value));
            }
        }, iterations: 400, typeof(WalCorruptionException));
    }

    [Fact]
    public void A_snapshot_file_reads_back_as_written_or_is_refused()
    {
        string template = Path.Combine(_root, "snapshots");
        var store = new SnapshotStore(template);
        byte[] metadata = [1, 2, 3, 4, 5, 6, 7, 8];
        byte[] content = new byte[10_000];
        new Random(7).NextBytes(content);
        store.Write(42, metadata, content);
        string file = Assert.Single(Directory.GetFiles(template));
        byte[] valid = File.ReadAllBytes(file);

        Fuzz.Check(output, Mutations.Of([valid], maxRandomLength: 2048), bytes => bytes.Length, bytes =>
        {
            File.WriteAllBytes(file, bytes);
            using var reader = new SnapshotStore(template).OpenLatest() ?? throw new InvalidOperationException("the snapshot file was not found");
            var read = new byte[reader.ContentLength];
            int length = reader.ReadContent(0, read);
            Assert.Equal(42, reader.Index);
            Assert.Equal(metadata, reader.Metadata.ToArray());
            Assert.Equal(content, read[..length]);
        }, iterations: 1_000, typeof(SnapshotCorruptionException));
    }

    /// <summary>A run of zeros over a random stretch: sectors a crash left unwritten.</summary>
    private static byte[] Zeroed(byte[] bytes, Random random)
    {
        var copy = (byte[])bytes.Clone();
        int start = random.Next(copy.Length);
        Array.Clear(copy, start, random.Next(1, copy.Length - start + 1));
        return copy;
    }
}
