using System.Globalization;
using System.Text;
using Paxos.Node.Configuration;

namespace Paxos.Cli.Commands;

/// <summary>
/// The nodes of the local cluster in a data directory, as <c>paxos cluster</c> runs them and
/// <c>paxos cluster add|remove</c> change them: the founding nodes of <c>cluster.yaml</c>, each
/// added node's join file <c>join/ID.yaml</c> (its cluster file: the nodes before it and itself
/// last), and the ids in <c>removed</c> (one a line), never to be started again. Node <c>k</c>,
/// founding or added, is <c>node-k</c> on the founding file's first port plus <c>k</c>.
/// </summary>
internal sealed class LocalNodes
{
    public const string ClusterFileName = "cluster.yaml";
    private const string JoinFolder = "join";
    private const string RemovedFile = "removed";
    private const string SupervisorFile = "supervisor.pid";

    private LocalNodes(string dataDir, ClusterConfig founding, IReadOnlyList<NodeEntry> added, IReadOnlySet<string> removed)
    {
        DataDir = dataDir;
        Founding = founding;
        Added = added;
        Removed = removed;
    }

    public string DataDir { get; }

    /// <summary>The founding cluster file, with its <c>tls</c> and <c>auth</c>.</summary>
    public ClusterConfig Founding { get; }

    /// <summary>The nodes added with <c>paxos cluster add</c>, in order.</summary>
    public IReadOnlyList<NodeEntry> Added { get; }

    public IReadOnlySet<string> Removed { get; }

    /// <summary>Every node ever in this cluster, founding then added, in number order.</summary>
    public IEnumerable<NodeEntry> All => Founding.Nodes.Concat(Added);

    /// <summary>The nodes to run: every node not removed.</summary>
    public IEnumerable<NodeEntry> Current => All.Where(node => !Removed.Contains(node.Id));

    /// <summary>
    /// The cluster in <paramref name="dataDir"/>; a <see cref="ConfigException"/> if it has no
    /// cluster file or a file cannot be used.
    /// </summary>
    public static LocalNodes Load(string dataDir)
    {
        string clusterPath = Path.Combine(dataDir, ClusterFileName);
        if (!File.Exists(clusterPath))
        {
            throw new ConfigException($"no local cluster in {dataDir} (no {ClusterFileName}; start one with 'paxos cluster')");
        }
        var founding = ClusterFile.Load(clusterPath);
        string joins = Path.Combine(dataDir, JoinFolder);
        var added = Directory.Exists(joins)
            ? Directory.GetFiles(joins, "*.yaml").Select(path => ClusterFile.Load(path).Nodes[^1]).OrderBy(node => node.Port).ToList()
            : [];
        string removedPath = Path.Combine(dataDir, RemovedFile);
        var removed = File.Exists(removedPath)
            ? File.ReadLines(removedPath).Select(line => line.Trim()).Where(line => line.Length > 0).ToHashSet(StringComparer.Ordinal)
            : [];
        return new LocalNodes(dataDir, founding, added, removed);
    }

    /// <summary>
    /// What the files <see cref="Load"/> reads look like from outside: each one's name, length and
    /// last write time, the join files in name order. Equal stamps mean there is nothing new to
    /// load: the supervisor polls with it rather than parse the YAML files three times a second,
    /// which cost it a few percent of a core while the cluster sat idle.
    /// </summary>
    public static string Stamp(string dataDir)
    {
        var stamp = new StringBuilder();
        Append(stamp, new FileInfo(Path.Combine(dataDir, ClusterFileName)));
        Append(stamp, new FileInfo(Path.Combine(dataDir, RemovedFile)));
        var joins = new DirectoryInfo(Path.Combine(dataDir, JoinFolder));
        if (joins.Exists)
        {
            foreach (var join in joins.GetFiles("*.yaml").OrderBy(file => file.Name, StringComparer.Ordinal))
            {
                Append(stamp, join);
            }
        }
        return stamp.ToString();

        static void Append(StringBuilder stamp, FileInfo file) =>
            stamp.Append(CultureInfo.InvariantCulture, $"{file.Name}:{(file.Exists ? $"{file.Length}@{file.LastWriteTimeUtc.Ticks}" : "-")};");
    }

    /// <summary>The cluster file node <paramref name="node"/> runs on: the founding file, or its join file.</summary>
    public string ConfigPathOf(NodeEntry node) =>
        Founding.Nodes.Contains(node) ? Path.Combine(DataDir, ClusterFileName) : Path.Combine(DataDir, JoinFolder, node.Id + ".yaml");

    public string DataDirOf(NodeEntry node) => Path.Combine(DataDir, node.Id);

    /// <summary>True for an added node that has no data yet: it starts with <c>--join</c>.</summary>
    public bool Joins(NodeEntry node) =>
        !Founding.Nodes.Contains(node) && (!Directory.Exists(DataDirOf(node)) || !Directory.EnumerateFileSystemEntries(DataDirOf(node)).Any());

    /// <summary>The next node: <c>node-k</c> for the next number, on the next port, with the founding nodes' scheme.</summary>
    public NodeEntry Next()
    {
        int k = Founding.Size + Added.Count;
        var first = Founding.Nodes[0];
        int port = first.Port + k;
        if (port > 65535)
        {
            throw new ConfigException($"no port left for node-{k.ToString(CultureInfo.InvariantCulture)}");
        }
        return new NodeEntry($"node-{k.ToString(CultureInfo.InvariantCulture)}", new Uri($"{first.Url.Scheme}://{first.Url.Host}:{port.ToString(CultureInfo.InvariantCulture)}"), port);
    }

    /// <summary>Writes <paramref name="node"/>'s join file (every node so far, then it), so that <c>paxos cluster</c> starts it.</summary>
    public void WriteJoinFile(NodeEntry node)
    {
        Directory.CreateDirectory(Path.Combine(DataDir, JoinFolder));
        var config = new ClusterConfig([.. All, node], Founding.ClusterToken) { Tls = Founding.Tls, Auth = Founding.Auth };
        string path = ConfigPathOf(node);
        File.WriteAllText(path + ".tmp", ClusterFile.Render(config));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>Marks <paramref name="id"/> removed: <c>paxos cluster</c> stops it if it still runs and never starts it again.</summary>
    public void MarkRemoved(string id) => File.AppendAllLines(Path.Combine(DataDir, RemovedFile), [id]);

    /// <summary>Records that a supervisor with this process id runs the cluster.</summary>
    public static void WriteSupervisor(string dataDir) =>
        File.WriteAllText(Path.Combine(dataDir, SupervisorFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

    /// <summary>True if the <c>paxos cluster</c> that last ran this data directory still runs.</summary>
    public bool SupervisorRuns()
    {
        string path = Path.Combine(DataDir, SupervisorFile);
        if (!File.Exists(path) || !int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
        {
            return false;
        }
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
