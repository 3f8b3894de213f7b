using System.Buffers.Binary;
using System.Text;
using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.Storage;
using Paxos.Storage.Replication;

namespace Paxos.Node.Hosting;

/// <summary>
/// Who this node is in its cluster, kept in its data directory (the file <c>member</c>): its node
/// number and the membership it started from (the founding one, or the one it was added to when it
/// joined), so that a restart needs neither <c>--join</c> nor an up-to-date cluster file, and a
/// removed node still presents its number (and is told it was removed). Written once, atomically
/// (temporary file, fsync, rename, directory fsync), before the node takes part; layout: the ASCII
/// line <c>paxos-member 1\n</c>, the number (u8), the membership (<see cref="MembershipCodec"/>), and
/// the CRC-32C of all that (u32, little-endian).
/// </summary>
internal static class MemberFile
{
    /// <summary>The file's name in the data directory.</summary>
    public const string FileName = "member";

    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("paxos-member 1\n");

    /// <summary>This node's number and the membership it started from, read from <paramref name="dataDirectory"/>; null if there is no file.</summary>
    /// <exception cref="StorageCorruptionException">The file is damaged.</exception>
    public static (int Number, Membership Start)? Load(string dataDirectory)
    {
        string path = Path.Combine(dataDirectory, FileName);
        return File.Exists(path) ? Parse(File.ReadAllBytes(path), path) : null;
    }

    /// <summary>Stores <paramref name="number"/> and <paramref name="start"/> in <paramref name="dataDirectory"/>, durably.</summary>
    public static void Store(string dataDirectory, int number, Membership start)
    {
        Invariant.Check(number is >= 0 and < Membership.MaxNumbers, "a node number is 0..31");
        Directory.CreateDirectory(dataDirectory);
        DurableFile.WriteAtomically(Path.Combine(dataDirectory, FileName), Render(number, start));
    }

    /// <summary>The file's bytes.</summary>
    public static byte[] Render(int number, Membership start)
    {
        byte[] membership = MembershipCodec.Encode(start);
        var bytes = new byte[Magic.Length + 1 + membership.Length + sizeof(uint)];
        Magic.CopyTo(bytes, 0);
        bytes[Magic.Length] = (byte)number;
        membership.CopyTo(bytes, Magic.Length + 1);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - sizeof(uint)), Crc32C.Compute(bytes.AsSpan(0, bytes.Length - sizeof(uint))));
        return bytes;
    }

    /// <summary>The number and membership in a file's <paramref name="bytes"/>.</summary>
    /// <exception cref="StorageCorruptionException">They are not what <see cref="Render"/> writes.</exception>
    public static (int Number, Membership Start) Parse(ReadOnlySpan<byte> bytes, string path)
    {
        if (bytes.Length < Magic.Length + 1 + sizeof(uint) || !bytes.StartsWith(Magic))
        {
            throw new StorageCorruptionException(path, 0, "not a member file");
        }
        var body = bytes[..^sizeof(uint)];
        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes[^sizeof(uint)..]) != Crc32C.Compute(body))
        {
            throw new StorageCorruptionException(path, body.Length, "checksum mismatch");
        }
        int number = body[Magic.Length];
        try
        {
            var start = MembershipCodec.Read(body[(Magic.Length + 1)..]);
            if (number >= Membership.MaxNumbers)
            {
                throw new InvalidDataException($"node number {number} is not 0..{Membership.MaxNumbers - 1}");
            }
            return (number, start);
        }
        catch (InvalidDataException e)
        {
            throw new StorageCorruptionException(path, Magic.Length, e.Message);
        }
    }
}
