using System.Buffers.Binary;
using System.Text;
using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.Storage;

namespace Paxos.Node.Hosting;

/// <summary>
/// The node numbers this node has ever received protocol messages from, kept in its data directory
/// (the file <c>peers-heard</c>: the ASCII line <c>paxos-peers-heard 1\n</c>, a 32-bit mask and its
/// CRC-32C, little-endian), each recorded durably before the first message from that node reaches the
/// replica. A node that answered a proposer (a promise, an acceptance) was therefore heard by it: this
/// is how a node whose data directory was wiped learns that it took part before (<see cref="FreshStartCheck"/>).
/// </summary>
public sealed class PeersHeard
{
    /// <summary>The file's name in the data directory.</summary>
    public const string FileName = "peers-heard";

    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("paxos-peers-heard 1\n");
    private readonly string _path;
    private readonly Lock _writing = new();
    private volatile uint _mask;

    private PeersHeard(string path, uint mask)
    {
        _path = path;
        _mask = mask;
    }

    /// <summary>The record in <paramref name="dataDirectory"/> (empty if there is none yet).</summary>
    /// <exception cref="StorageCorruptionException">The file is damaged.</exception>
    public static PeersHeard Load(string dataDirectory)
    {
        string path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            return new PeersHeard(path, 0);
        }
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length != Magic.Length + 8 || !bytes.AsSpan().StartsWith(Magic))
        {
            throw new StorageCorruptionException(path, 0, "not a peers-heard file");
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(Magic.Length + 4)) != Crc32C.Compute(bytes.AsSpan(0, Magic.Length + 4)))
        {
            throw new StorageCorruptionException(path, Magic.Length + 4, "checksum mismatch");
        }
        return new PeersHeard(path, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(Magic.Length)));
    }

    /// <summary>True while this node has received protocol messages from no node at all.</summary>
    public bool IsEmpty => _mask == 0;

    /// <summary>True if this node has received protocol messages from node <paramref name="number"/>.</summary>
    public bool Contains(int number) => number is >= 0 and < Membership.MaxNumbers && (_mask & (1u << number)) != 0;

    /// <summary>Records, durably, that node <paramref name="number"/> was heard; at once if it was before.</summary>
    public void Record(int number)
    {
        Invariant.Check(number is >= 0 and < Membership.MaxNumbers, "a node number is 0..31");
        if (Contains(number))
        {
            return;
        }
        lock (_writing)
        {
            uint mask = _mask | (1u << number);
            var bytes = new byte[Magic.Length + 8];
            Magic.CopyTo(bytes, 0);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(Magic.Length), mask);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(Magic.Length + 4), Crc32C.Compute(bytes.AsSpan(0, Magic.Length + 4)));
            DurableFile.WriteAtomically(_path, bytes);
            _mask = mask;
        }
    }
}
