using System.Globalization;
using System.Text;
using Paxos.Core;
using Paxos.Node.Configuration;
using Paxos.Storage;

namespace Paxos.Node.Hosting;

/// <summary>
/// The cluster id in a data directory: the file <c>cluster-id</c>, one line
/// <c>paxos-cluster-id ID CRC</c> (ID the 32 hex digits of <see cref="ClusterId"/>, CRC the CRC-32C
/// of the text before it, 8 hex digits), written atomically (temporary file, fsync, rename,
/// directory fsync) before the node serves anything.
/// </summary>
public static class ClusterIdFile
{
    /// <summary>The file's name in the data directory.</summary>
    public const string FileName = "cluster-id";

    private const string Prefix = "paxos-cluster-id ";

    /// <summary>
    /// The id stored in <paramref name="dataDirectory"/>; in a directory without one (a new node, or
    /// one whose data predates cluster ids), the founding id of <paramref name="cluster"/>, stored first.
    /// </summary>
    /// <exception cref="StorageCorruptionException">The file is damaged.</exception>
    public static ClusterId LoadOrFound(string dataDirectory, ClusterConfig cluster)
    {
        string path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            return Parse(File.ReadAllBytes(path), path);
        }
        var id = ClusterId.Founding(cluster);
        Store(dataDirectory, id);
        return id;
    }

    /// <summary>Stores <paramref name="id"/> in <paramref name="dataDirectory"/> (a node that joins a cluster adopts the cluster's id).</summary>
    public static void Store(string dataDirectory, ClusterId id)
    {
        Directory.CreateDirectory(dataDirectory);
        DurableFile.WriteAtomically(Path.Combine(dataDirectory, FileName), Render(id));
    }

    /// <summary>The file's bytes for <paramref name="id"/>.</summary>
    public static byte[] Render(ClusterId id)
    {
        string body = Prefix + id;
        uint crc = Crc32C.Compute(Encoding.ASCII.GetBytes(body));
        return Encoding.ASCII.GetBytes($"{body} {crc.ToString("x8", CultureInfo.InvariantCulture)}\n");
    }

    /// <summary>The id in a file's <paramref name="bytes"/>.</summary>
    /// <exception cref="StorageCorruptionException">They are not exactly what <see cref="Render"/> writes for some id.</exception>
    public static ClusterId Parse(ReadOnlySpan<byte> bytes, string path)
    {
        int bodyLength = Prefix.Length + ClusterId.HexLength;
        if (bytes.Length != bodyLength + 10 || bytes[bodyLength] != (byte)' ' || bytes[^1] != (byte)'\n')
        {
            throw new StorageCorruptionException(path, 0, $"a cluster id file is one line of {bodyLength + 10} bytes, this one has {bytes.Length}");
        }
        var body = bytes[..bodyLength];
        string crcText = Encoding.ASCII.GetString(bytes.Slice(bodyLength + 1, 8));
        if (!uint.TryParse(crcText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint crc) || crc != Crc32C.Compute(body))
        {
            throw new StorageCorruptionException(path, bodyLength + 1, "checksum mismatch");
        }
        string text = Encoding.ASCII.GetString(body);
        if (!text.StartsWith(Prefix, StringComparison.Ordinal) || !ClusterId.TryParse(text[Prefix.Length..], out var id))
        {
            throw new StorageCorruptionException(path, 0, "not a cluster id file");
        }
        if (!bytes.SequenceEqual(Render(id)))
        {
            throw new StorageCorruptionException(path, 0, "not in the canonical form (lower-case hexadecimal)");
        }
        return id;
    }
}
