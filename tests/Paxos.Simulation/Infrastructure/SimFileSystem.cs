using Paxos.Storage.Files;

namespace Paxos.Simulation.Infrastructure;

/// <summary>
/// One node's disk, as the <see cref="IFileSystem"/> the production write-ahead log and snapshot
/// store run on, modelling what fsync guarantees. A write is visible to reads at once but durable
/// only after an fsync of its file; creating, renaming and deleting a file is durable only after
/// <see cref="SyncDirectory"/> of its directory. <see cref="Crash"/> (power loss) keeps what was
/// durable and nothing else: unsynced writes are lost, files whose creation was not synced vanish,
/// deleted ones whose deletion was not synced come back. With tearing, the crash instead hits
/// while the most recent write is being written back: its file keeps its earlier unsynced writes,
/// and of that last write only the whole 512-byte sectors before a random sector boundary (possibly
/// none), since a disk writes a sector entirely or not at all. Handles opened before a crash fail
/// with <see cref="IOException"/>: they belonged to the process that died. Injected faults throw
/// <see cref="SimDiskFaultException"/>: <see cref="FailNextSync"/> fails the next fsync (its changes
/// stay unsynced), and while <see cref="Full"/> a write that would grow a file fails.
/// <see cref="FlipStoredBit"/> damages what is stored (a bad sector, a bit rot), and
/// <see cref="SyncLatency"/> says how long each fsync takes (the disk itself does not wait: the
/// process that called it is held back for that long by its host).
/// </summary>
public sealed class SimFileSystem : IFileSystem
{
    /// <summary>The unit a disk writes atomically.</summary>
    public const int SectorSize = 512;

    private readonly SimRandom _random;
    private SortedDictionary<string, SimFile> _entries = new(StringComparer.Ordinal);
    private SortedDictionary<string, SimFile> _durableEntries = new(StringComparer.Ordinal);
    private long _writeSequence;
    private int _generation;
    private int? _failSyncOfGeneration;

    /// <summary>Creates an empty disk; <paramref name="random"/> chooses how much of a torn write survives.</summary>
    public SimFileSystem(SimRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        _random = random;
    }

    /// <summary>Writes issued so far.</summary>
    public long Writes { get; private set; }

    /// <summary>File fsyncs so far.</summary>
    public long Syncs { get; private set; }

    /// <summary>Directory fsyncs so far.</summary>
    public long DirectorySyncs { get; private set; }

    /// <summary>How long each fsync (of a file or a directory) takes; zero for a fast disk.</summary>
    public TimeSpan SyncLatency { get; set; }

    /// <summary>True once <see cref="FlipStoredBit"/> damaged this disk: the process may then rightly refuse to start on it.</summary>
    public bool Damaged { get; private set; }

    /// <summary>Crashes so far.</summary>
    public long Crashes { get; private set; }

    /// <summary>
    /// While true the disk is full: a write past a file's length (space set aside with
    /// <see cref="IFileHandle.Reserve"/> included) fails, and space is no longer set aside.
    /// </summary>
    public bool Full { get; set; }

    /// <summary>Runs at the start of every file fsync, before anything is made durable (a test's probe: it may throw, or wait).</summary>
    public Action? BeforeSync { get; set; }

    /// <summary>Fails the next fsync of a file by the running process, leaving what it would have made durable unsynced; a crash first cancels it.</summary>
    public void FailNextSync() => _failSyncOfGeneration = _generation;

    /// <inheritdoc />
    public IFileHandle OpenFile(string path, FileOpenMode mode)
    {
        ArgumentNullException.ThrowIfNull(path);
        bool exists = _entries.TryGetValue(path, out SimFile? file);
        if (mode == FileOpenMode.CreateNew)
        {
            if (exists)
            {
                throw new IOException($"'{path}' already exists.");
            }

            file = new SimFile();
            _entries[path] = file;
        }
        else if (!exists)
        {
            throw new FileNotFoundException($"'{path}' does not exist.", path);
        }

        return new Handle(this, file!, path, mode != FileOpenMode.OpenRead, _generation);
    }

    /// <inheritdoc />
    public bool FileExists(string path) => _entries.ContainsKey(path);

    /// <inheritdoc />
    public IReadOnlyList<string> ListFiles(string directory)
    {
        string parent = Normalized(directory);
        return [.. _entries.Keys.Where(path => Path.GetDirectoryName(path) == parent)];
    }

    /// <inheritdoc />
    public void DeleteFile(string path) => _entries.Remove(path);

    /// <inheritdoc />
    public void RenameFile(string source, string destination)
    {
        if (!_entries.Remove(source, out SimFile? file))
        {
            throw new FileNotFoundException($"'{source}' does not exist.", source);
        }

        _entries[destination] = file;
    }

    /// <inheritdoc />
    public void CreateDirectory(string directory)
    {
        // Directories exist implicitly, durably: a path's parent is its directory.
    }

    /// <inheritdoc />
    public void SyncDirectory(string directory)
    {
        DirectorySyncs++;
        string parent = Normalized(directory);
        foreach (string path in _durableEntries.Keys.Where(path => Path.GetDirectoryName(path) == parent).ToList())
        {
            _durableEntries.Remove(path);
        }

        foreach ((string path, SimFile file) in _entries.Where(entry => Path.GetDirectoryName(entry.Key) == parent))
        {
            _durableEntries[path] = file;
        }
    }

    /// <summary>
    /// What another process would find on this disk after a power loss now (as <see cref="Crash"/> without
    /// tearing), as a disk of its own; this one is left as it is, for its process to go on.
    /// </summary>
    public SimFileSystem CrashCopy()
    {
        SimFileSystem copy = Copy();
        copy.Crash(tearLastWrite: false);
        return copy;
    }

    /// <summary>
    /// What another process would find on this disk after this one's process died now, the machine still
    /// up: every write so far, durable or not (the kernel keeps them), as a disk of its own.
    /// </summary>
    public SimFileSystem ProcessCrashCopy() => Copy();

    /// <summary>Simulates power loss: see the class summary for what survives.</summary>
    public DiskCrashOutcome Crash(bool tearLastWrite)
    {
        Crashes++;
        _generation++;
        SimFile? torn = null;
        string? tornPath = null;
        if (tearLastWrite)
        {
            foreach ((string path, SimFile file) in _durableEntries)
            {
                if (file.LastWriteSequence > (torn?.LastWriteSequence ?? 0))
                {
                    (torn, tornPath) = (file, path);
                }
            }
        }

        int lost = 0;
        long lostBytes = 0;
        long tornKept = 0;
        foreach (SimFile file in _entries.Values.Concat(_durableEntries.Values).Distinct())
        {
            if (file == torn)
            {
                (tornKept, long tornLost) = file.Tear(_random);
                lost++;
                lostBytes += tornLost;
            }
            else
            {
                lost += file.Pending.Count;
                lostBytes += file.Pending.Sum(op => (long)(op.Data?.Length ?? 0));
            }

            file.LoseUnsynced();
        }

        _entries = new SortedDictionary<string, SimFile>(_durableEntries, StringComparer.Ordinal);
        return new DiskCrashOutcome(lost, lostBytes, tornPath, tornKept);
    }

    /// <summary>
    /// Flips one bit at a random offset of a random file that holds data, in what is durable and what
    /// the process sees (call it while the process is down); returns where, for the trace.
    /// </summary>
    public string FlipStoredBit(SimRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var files = _durableEntries.Where(entry => entry.Value.Durable.Length > 0).ToList();
        if (files.Count == 0)
        {
            return "no file holds data";
        }

        (string path, SimFile file) = files[random.NextInt(files.Count)];
        long offset = (long)random.NextUInt64((ulong)file.Durable.Length);
        int bit = random.NextInt(8);
        file.FlipBit(offset, bit);
        Damaged = true;
        return $"bit {bit} of byte {offset} of '{path}' ({file.Durable.Length} bytes) flipped";
    }

    /// <summary>An independent copy of this disk: each file's visible, durable and unsynced state, and which entries are durable.</summary>
    private SimFileSystem Copy()
    {
        var files = new Dictionary<SimFile, SimFile>();
        SimFile CopyOf(SimFile file)
        {
            if (!files.TryGetValue(file, out SimFile? copy))
            {
                copy = file.Copy();
                files[file] = copy;
            }

            return copy;
        }

        var disk = new SimFileSystem(_random.Fork());
        disk._entries = new SortedDictionary<string, SimFile>(_entries.ToDictionary(e => e.Key, e => CopyOf(e.Value)), StringComparer.Ordinal);
        disk._durableEntries = new SortedDictionary<string, SimFile>(_durableEntries.ToDictionary(e => e.Key, e => CopyOf(e.Value)), StringComparer.Ordinal);
        disk._writeSequence = _writeSequence;
        return disk;
    }

    /// <summary>A directory as <see cref="Path.GetDirectoryName(string)"/> names it: no trailing separator, except the root's.</summary>
    private static string Normalized(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string trimmed = directory.TrimEnd(Path.DirectorySeparatorChar);
        return trimmed.Length == 0 ? Path.DirectorySeparatorChar.ToString() : trimmed;
    }

    /// <summary>A file: what the running process sees, what is durable, and the changes in between, oldest first.</summary>
    private sealed class SimFile
    {
        public FileImage Visible { get; private set; } = new();

        public FileImage Durable { get; private set; } = new();

        public List<FileChange> Pending { get; } = [];

        /// <summary>The sequence number of this file's latest unsynced write, 0 if none.</summary>
        public long LastWriteSequence => Pending.Count > 0 && Pending[^1].Data is not null ? Pending[^1].Sequence : 0;

        public void Record(FileChange change)
        {
            change.ApplyTo(Visible);
            Pending.Add(change);
        }

        public void Sync()
        {
            foreach (FileChange change in Pending)
            {
                change.ApplyTo(Durable);
            }

            Pending.Clear();
        }

        /// <summary>Makes every unsynced change but the last write durable, and whole sectors of that write up to a random boundary; returns (bytes kept, bytes lost) of it.</summary>
        public (long Kept, long Lost) Tear(SimRandom random)
        {
            FileChange last = Pending[^1];
            Pending.RemoveAt(Pending.Count - 1);
            Sync();
            byte[] data = last.Data!;
            long firstBoundary = (last.Offset + SectorSize - 1) / SectorSize * SectorSize;
            int boundaries = firstBoundary >= last.Offset + data.Length ? 0 : (int)((last.Offset + data.Length - 1 - firstBoundary) / SectorSize) + 1;
            int chosen = random.NextInt(boundaries + 1); // 0: nothing of it survives
            long kept = chosen == 0 ? 0 : firstBoundary + ((chosen - 1) * (long)SectorSize) - last.Offset;
            Durable.Write(data.AsSpan(0, (int)kept), last.Offset);
            return (kept, data.Length - kept);
        }

        /// <summary>An independent copy.</summary>
        public SimFile Copy()
        {
            var copy = new SimFile { Visible = Visible.Clone(), Durable = Durable.Clone() };
            copy.Pending.AddRange(Pending);
            return copy;
        }

        /// <summary>Flips a bit of the durable bytes and of what the process sees alike.</summary>
        public void FlipBit(long offset, int bit)
        {
            Durable.FlipBit(offset, bit);
            Visible.FlipBit(offset, bit);
        }

        /// <summary>After a crash: the process sees what was durable.</summary>
        public void LoseUnsynced()
        {
            Pending.Clear();
            Visible = Durable.Clone();
        }
    }

    /// <summary>One change to a file's bytes: a write, a new length, or space set aside.</summary>
    private sealed record FileChange(long Sequence, long Offset, byte[]? Data, long? NewLength, long? Reserved)
    {
        public void ApplyTo(FileImage image)
        {
            if (Data is not null)
            {
                image.Write(Data, Offset);
            }
            else if (NewLength is { } length)
            {
                image.SetLength(length);
            }
            else
            {
                image.Reserve(Reserved!.Value);
            }
        }
    }

    /// <summary>A file's bytes: those written are stored, the rest up to <see cref="Length"/> read as zeros.</summary>
    private sealed class FileImage
    {
        private byte[] _bytes = [];
        private int _stored;

        public long Length { get; private set; }

        public int Read(Span<byte> buffer, long offset)
        {
            int count = (int)Math.Clamp(Length - offset, 0, buffer.Length);
            int stored = (int)Math.Clamp(_stored - offset, 0, count);
            _bytes.AsSpan((int)Math.Min(offset, _stored), stored).CopyTo(buffer);
            buffer[stored..count].Clear();
            return count;
        }

        public void Write(ReadOnlySpan<byte> data, long offset)
        {
            int end = checked((int)offset + data.Length);
            if (end > _bytes.Length)
            {
                Array.Resize(ref _bytes, Math.Max(end, _bytes.Length * 2));
            }

            data.CopyTo(_bytes.AsSpan((int)offset));
            _stored = Math.Max(_stored, end);
            Length = Math.Max(Length, end);
        }

        public void SetLength(long length)
        {
            if (length < _stored)
            {
                _bytes.AsSpan((int)length, _stored - (int)length).Clear(); // bytes past what is stored are always zero
                _stored = (int)length;
            }

            Length = length;
        }

        public void Reserve(long length) => Length = Math.Max(Length, length);

        public void FlipBit(long offset, int bit)
        {
            if (offset >= Length)
            {
                return;
            }

            Span<byte> one = stackalloc byte[1];
            Read(one, offset);
            one[0] ^= (byte)(1 << bit);
            Write(one, offset);
        }

        public FileImage Clone() => new() { _bytes = _bytes.AsSpan(0, _stored).ToArray(), _stored = _stored, Length = Length };
    }

    private sealed class Handle(SimFileSystem fs, SimFile file, string path, bool writable, int generation) : IFileHandle
    {
        public string Path { get; } = path;

        public long Length => Alive().Visible.Length;

        public int Read(Span<byte> buffer, long offset) => Alive().Visible.Read(buffer, offset);

        public void Write(ReadOnlySpan<byte> data, long offset)
        {
            if (fs.Full && offset + data.Length > Alive().Visible.Length)
            {
                throw new SimDiskFaultException($"writing {data.Length} bytes to '{Path}' at {offset}: no space left on the device (simulated)");
            }

            fs.Writes++;
            Change(new FileChange(++fs._writeSequence, offset, data.ToArray(), null, null));
        }

        public void FlushToDisk()
        {
            SimFile target = Alive();
            fs.BeforeSync?.Invoke();
            fs.Syncs++;
            if (fs._failSyncOfGeneration == generation)
            {
                fs._failSyncOfGeneration = null;
                throw new SimDiskFaultException($"fsync of '{Path}' failed (simulated EIO)");
            }

            target.Sync();
        }

        public void FlushDataToDisk() => FlushToDisk();

        public void Reserve(long length)
        {
            if (!fs.Full)
            {
                Change(new FileChange(++fs._writeSequence, 0, null, null, length)); // best effort, as fallocate is
            }
        }

        public void SetLength(long length) => Change(new FileChange(++fs._writeSequence, 0, null, length, null));

        public void Dispose()
        {
            // nothing held
        }

        private void Change(FileChange change)
        {
            SimFile target = Alive();
            if (!writable)
            {
                throw new UnauthorizedAccessException($"'{Path}' is open for reading only.");
            }

            target.Record(change);
        }

        private SimFile Alive() => fs._generation == generation
            ? file
            : throw new IOException($"'{Path}' was opened by a process that crashed.");
    }
}
