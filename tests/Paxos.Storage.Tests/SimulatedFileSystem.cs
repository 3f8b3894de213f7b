using System.Runtime.InteropServices;
using Paxos.Storage.Files;

namespace Paxos.Storage.Tests;

/// <summary>
/// An in-memory <see cref="IFileSystem"/> test double that counts fsyncs and simulates a crash (<see cref="CrashCopy"/>): file contents
/// not yet flushed to disk and directory changes not yet synced are lost. Space set aside with <see cref="IFileHandle.Reserve"/>
/// is kept as a length, not as bytes: it reads as zeros.
/// </summary>
internal sealed class SimulatedFileSystem : IFileSystem
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Node> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Node> _durableEntries = new(StringComparer.Ordinal);
    private int _fileSyncs;
    private int _directorySyncs;

    /// <summary>How many times a file was flushed to disk.</summary>
    public int FileSyncCount
    {
        get
        {
            lock (_gate)
            {
                return _fileSyncs;
            }
        }
    }

    /// <summary>How many times a directory was synced.</summary>
    public int DirectorySyncCount
    {
        get
        {
            lock (_gate)
            {
                return _directorySyncs;
            }
        }
    }

    /// <summary>Runs at the start of every file flush, before the contents become durable (a slow or failing disk).</summary>
    public Action? BeforeFileSync { get; set; }

    /// <summary>A separate file system holding what would survive a crash now; this one is unchanged.</summary>
    public SimulatedFileSystem CrashCopy()
    {
        lock (_gate)
        {
            var copy = new SimulatedFileSystem();
            foreach ((string path, Node node) in _durableEntries)
            {
                var clone = new Node { Content = [.. node.Durable], Durable = [.. node.Durable], Reserved = node.DurableReserved, DurableReserved = node.DurableReserved };
                copy._entries[path] = clone;
                copy._durableEntries[path] = clone;
            }
            return copy;
        }
    }

    /// <summary>
    /// A separate file system holding what would survive a crash of the process alone (the kernel
    /// keeps every write and directory change); this one is unchanged.
    /// </summary>
    public SimulatedFileSystem ProcessCrashCopy()
    {
        lock (_gate)
        {
            var copy = new SimulatedFileSystem();
            foreach ((string path, Node node) in _entries)
            {
                var clone = new Node { Content = [.. node.Content], Durable = [.. node.Content], Reserved = node.Reserved, DurableReserved = node.Reserved };
                copy._entries[path] = clone;
                copy._durableEntries[path] = clone;
            }
            return copy;
        }
    }

    public IFileHandle OpenFile(string path, FileOpenMode mode)
    {
        lock (_gate)
        {
            bool exists = _entries.TryGetValue(path, out Node? node);
            if (mode == FileOpenMode.CreateNew)
            {
                if (exists)
                {
                    throw new IOException($"'{path}' already exists.");
                }
                node = new Node();
                _entries[path] = node;
            }
            else if (!exists)
            {
                throw new FileNotFoundException($"'{path}' does not exist.", path);
            }
            return new Handle(this, node!, path, writable: mode != FileOpenMode.OpenRead);
        }
    }

    public bool FileExists(string path)
    {
        lock (_gate)
        {
            return _entries.ContainsKey(path);
        }
    }

    public IReadOnlyList<string> ListFiles(string directory)
    {
        lock (_gate)
        {
            return [.. _entries.Keys.Where(p => Path.GetDirectoryName(p) == directory.TrimEnd(Path.DirectorySeparatorChar))];
        }
    }

    public void DeleteFile(string path)
    {
        lock (_gate)
        {
            _entries.Remove(path);
        }
    }

    public void RenameFile(string source, string destination)
    {
        lock (_gate)
        {
            Node node = _entries[source];
            _entries.Remove(source);
            _entries[destination] = node;
        }
    }

    public void CreateDirectory(string directory)
    {
    }

    public void SyncDirectory(string directory)
    {
        lock (_gate)
        {
            _directorySyncs++;
            string dir = directory.TrimEnd(Path.DirectorySeparatorChar);
            foreach (string path in _durableEntries.Keys.Where(p => Path.GetDirectoryName(p) == dir).ToList())
            {
                _durableEntries.Remove(path);
            }
            foreach ((string path, Node node) in _entries.Where(e => Path.GetDirectoryName(e.Key) == dir))
            {
                _durableEntries[path] = node;
            }
        }
    }

    private sealed class Node
    {
        public List<byte> Content { get; set; } = [];

        public byte[] Durable { get; set; } = [];

        /// <summary>The length set aside by <see cref="IFileHandle.Reserve"/>; bytes past <see cref="Content"/> read as zeros.</summary>
        public long Reserved { get; set; }

        public long DurableReserved { get; set; }

        public long Length => Math.Max(Content.Count, Reserved);
    }

    private sealed class Handle(SimulatedFileSystem fs, Node node, string path, bool writable) : IFileHandle
    {
        public string Path { get; } = path;

        public long Length
        {
            get
            {
                lock (fs._gate)
                {
                    return node.Length;
                }
            }
        }

        public int Read(Span<byte> buffer, long offset)
        {
            lock (fs._gate)
            {
                int count = (int)Math.Clamp(node.Length - offset, 0, buffer.Length);
                int stored = (int)Math.Clamp(node.Content.Count - offset, 0, count);
                CollectionsMarshal.AsSpan(node.Content).Slice((int)Math.Min(offset, node.Content.Count), stored).CopyTo(buffer);
                buffer[stored..count].Clear();
                return count;
            }
        }

        public void Write(ReadOnlySpan<byte> data, long offset)
        {
            lock (fs._gate)
            {
                EnsureWritable();
                int oldCount = node.Content.Count;
                if (oldCount < offset + data.Length)
                {
                    CollectionsMarshal.SetCount(node.Content, (int)offset + data.Length);
                    CollectionsMarshal.AsSpan(node.Content)[oldCount..].Clear();
                }
                data.CopyTo(CollectionsMarshal.AsSpan(node.Content)[(int)offset..]);
            }
        }

        public void FlushToDisk() => Flush();

        public void FlushDataToDisk() => Flush();

        public void Reserve(long length)
        {
            lock (fs._gate)
            {
                EnsureWritable();
                node.Reserved = Math.Max(node.Reserved, length);
            }
        }

        public void SetLength(long length)
        {
            lock (fs._gate)
            {
                EnsureWritable();
                node.Reserved = Math.Min(node.Reserved, length);
                if (length < node.Content.Count)
                {
                    node.Content.RemoveRange((int)length, node.Content.Count - (int)length);
                }
                while (node.Content.Count < length)
                {
                    node.Content.Add(0);
                }
            }
        }

        public void Dispose()
        {
        }

        private void Flush()
        {
            fs.BeforeFileSync?.Invoke();
            lock (fs._gate)
            {
                node.Durable = [.. node.Content];
                node.DurableReserved = node.Reserved;
                fs._fileSyncs++;
            }
        }

        private void EnsureWritable()
        {
            if (!writable)
            {
                throw new UnauthorizedAccessException($"'{Path}' is open for reading only.");
            }
        }
    }
}
