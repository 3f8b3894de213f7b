using Paxos.Storage.Snapshots;

namespace Paxos.Fuzz.Afl;

/// <summary>A snapshot file as a node reads it: its index, metadata and content, or <see cref="SnapshotCorruptionException"/>.</summary>
public static class SnapshotTarget
{
    private const long Index = 42;

    private static readonly string Root = Path.Combine(Path.GetTempPath(), $"paxos-fuzz-snapshot-{Environment.ProcessId}");

    public static FuzzTarget Target { get; } = new("snapshot", Seeds, Take, typeof(SnapshotCorruptionException));

    private static IReadOnlyList<byte[]> Seeds()
    {
        byte[] content = new byte[3_000];
        new Random(7).NextBytes(content);
        return [Written([1, 2, 3, 4, 5, 6, 7, 8], content), Written([], [])];
    }

    private static byte[] Written(byte[] metadata, byte[] content)
    {
        string directory = Fresh();
        new SnapshotStore(directory).Write(Index, metadata, content);
        return File.ReadAllBytes(Directory.GetFiles(directory).Single());
    }

    /// <summary>The file name the store gives a snapshot of <see cref="Index"/>.</summary>
    private static readonly Lazy<string> FileName = new(() =>
    {
        string directory = Fresh();
        new SnapshotStore(directory).Write(Index, [], []);
        return Path.GetFileName(Directory.GetFiles(directory).Single());
    });

    private static void Take(byte[] input)
    {
        string name = FileName.Value;
        string directory = Fresh();
        File.WriteAllBytes(Path.Combine(directory, name), input);
        using var reader = new SnapshotStore(directory).OpenLatest() ?? throw new InvalidOperationException("the snapshot file was not found");
        var buffer = new byte[64 * 1024];
        for (long offset = 0; offset < reader.ContentLength;)
        {
            int read = reader.ReadContent(offset, buffer);
            if (read == 0)
            {
                break;
            }
            offset += read;
        }
    }

    private static string Fresh()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
        Directory.CreateDirectory(Root);
        return Root;
    }
}
