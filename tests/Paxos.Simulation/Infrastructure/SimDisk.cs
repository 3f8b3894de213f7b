namespace Paxos.Simulation.Infrastructure;

/// <summary>
/// One node's disk, modelling what fsync guarantees. Files are byte sequences that grow by
/// <see cref="Append"/>; an append is visible to reads at once but durable only after
/// <see cref="Sync"/> of its file (or <see cref="SyncAll"/>). <see cref="Crash"/> throws away every
/// unsynced append. With tearing, the crash instead hits while the file of the most recent append
/// is being written back: that file keeps its unsynced appends in order except the last, of which
/// only a random prefix (possibly empty) survives — the torn tail a write-ahead log must detect.
/// <see cref="Truncate"/> and <see cref="Delete"/> are durable at once (as if followed by fsync).
/// </summary>
public sealed class SimDisk
{
    private readonly SimRandom _random;
    private readonly SortedDictionary<string, FileState> _files = new(StringComparer.Ordinal);
    private long _appendSequence;

    /// <summary>Creates an empty disk; <paramref name="random"/> chooses how much of a torn write survives.</summary>
    public SimDisk(SimRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        _random = random;
    }

    /// <summary>Appends issued so far.</summary>
    public long Writes { get; private set; }

    /// <summary>Sync calls so far.</summary>
    public long Syncs { get; private set; }

    /// <summary>Crashes so far.</summary>
    public long Crashes { get; private set; }

    /// <summary>Appends lost (wholly or in part) in crashes so far.</summary>
    public long LostWrites { get; private set; }

    /// <summary>Appends torn in crashes so far.</summary>
    public long TornWrites { get; private set; }

    /// <summary>The names of the existing files, in ordinal order.</summary>
    public IReadOnlyList<string> Files => [.. _files.Keys];

    /// <summary>True if <paramref name="file"/> exists (it does once appended to, durable or not).</summary>
    public bool Exists(string file) => _files.ContainsKey(file);

    /// <summary>Appends <paramref name="data"/> to <paramref name="file"/>, creating it if needed.</summary>
    public void Append(string file, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!_files.TryGetValue(file, out FileState? state))
        {
            state = new FileState();
            _files.Add(file, state);
        }

        state.Pending.Add((++_appendSequence, data.ToArray()));
        Writes++;
    }

    /// <summary>The whole content of <paramref name="file"/> as the running process sees it (synced or not); empty if absent.</summary>
    public byte[] Read(string file)
    {
        if (!_files.TryGetValue(file, out FileState? state))
        {
            return [];
        }

        var content = new byte[state.Length];
        state.Durable.CopyTo(content);
        int offset = state.Durable.Count;
        foreach ((_, byte[] data) in state.Pending)
        {
            data.CopyTo(content, offset);
            offset += data.Length;
        }

        return content;
    }

    /// <summary>The length of <paramref name="file"/> as the running process sees it; 0 if absent.</summary>
    public long Length(string file) => _files.TryGetValue(file, out FileState? state) ? state.Length : 0;

    /// <summary>Makes every append to <paramref name="file"/> so far durable.</summary>
    public void Sync(string file)
    {
        Syncs++;
        if (_files.TryGetValue(file, out FileState? state))
        {
            state.MakeDurable(state.Pending.Count, 0);
        }
    }

    /// <summary>Makes every append so far durable.</summary>
    public void SyncAll()
    {
        Syncs++;
        foreach (FileState state in _files.Values)
        {
            state.MakeDurable(state.Pending.Count, 0);
        }
    }

    /// <summary>Cuts <paramref name="file"/> to <paramref name="length"/> bytes, durably.</summary>
    public void Truncate(string file, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (_files.TryGetValue(file, out FileState? state) && length < state.Length)
        {
            byte[] kept = Read(file).AsSpan(0, (int)length).ToArray();
            state.Durable.Clear();
            state.Durable.AddRange(kept);
            state.Pending.Clear();
        }
    }

    /// <summary>Removes <paramref name="file"/>, durably.</summary>
    public void Delete(string file) => _files.Remove(file);

    /// <summary>Simulates power loss: see the class summary for what survives.</summary>
    public DiskCrashOutcome Crash(bool tearLastWrite)
    {
        Crashes++;
        string? tornFile = null;
        if (tearLastWrite)
        {
            tornFile = _files.Where(f => f.Value.Pending.Count > 0)
                .OrderByDescending(f => f.Value.Pending[^1].Sequence)
                .Select(f => f.Key)
                .FirstOrDefault();
        }

        int lost = 0;
        long lostBytes = 0;
        int tornKept = 0;
        foreach ((string name, FileState state) in _files)
        {
            if (name == tornFile)
            {
                byte[] last = state.Pending[^1].Data;
                tornKept = last.Length == 0 ? 0 : _random.NextInt(last.Length);
                lost++;
                lostBytes += last.Length - tornKept;
                state.MakeDurable(state.Pending.Count - 1, tornKept);
                continue;
            }

            lost += state.Pending.Count;
            lostBytes += state.Pending.Sum(p => (long)p.Data.Length);
            state.Pending.Clear();
        }

        LostWrites += lost;
        if (tornFile is not null)
        {
            TornWrites++;
        }

        return new DiskCrashOutcome(lost, lostBytes, tornFile, tornKept);
    }

    private sealed class FileState
    {
        public List<byte> Durable { get; } = [];

        public List<(long Sequence, byte[] Data)> Pending { get; } = [];

        public long Length => Durable.Count + Pending.Sum(p => (long)p.Data.Length);

        /// <summary>Makes the first <paramref name="whole"/> pending appends durable, plus <paramref name="prefixOfNext"/> bytes of the next; drops the rest.</summary>
        public void MakeDurable(int whole, int prefixOfNext)
        {
            for (int i = 0; i < whole; i++)
            {
                Durable.AddRange(Pending[i].Data);
            }

            if (prefixOfNext > 0)
            {
                Durable.AddRange(Pending[whole].Data.AsSpan(0, prefixOfNext));
            }

            Pending.Clear();
        }
    }
}
