using System.Buffers.Binary;
using System.Text;
using Paxos.Core.Replication;

namespace Paxos.Storage.Replication;

/// <summary>
/// The binary form of a <see cref="Membership"/> in the replica's log records and snapshot metadata
/// (little-endian): slot u64, next number u8, member count u8, then per member: number u8, voter u8
/// (0 or 1), name length u16 and UTF-8 bytes, url length u16 and UTF-8 bytes. Decoding checks every
/// length and the membership's own rules (<see cref="Membership(ulong, IEnumerable{Member}, int)"/>).
/// </summary>
internal static class MembershipCodec
{
    private const int HeaderSize = sizeof(ulong) + 2;
    private const int MemberHeaderSize = 2 + sizeof(ushort) + sizeof(ushort);

    /// <summary>The largest encoding: <see cref="Membership.MaxNumbers"/> members with the longest names and urls.</summary>
    public const int MaxLength = HeaderSize + (Membership.MaxNumbers * (MemberHeaderSize + Membership.MaxNameBytes + Membership.MaxUrlBytes));

    /// <summary>The encoded length of <paramref name="membership"/>.</summary>
    public static int Length(Membership membership)
    {
        int length = HeaderSize;
        foreach (var member in membership.Members)
        {
            length += MemberHeaderSize + Encoding.UTF8.GetByteCount(member.Name) + Encoding.UTF8.GetByteCount(member.Url);
        }
        return length;
    }

    /// <summary>Writes <paramref name="membership"/> at the start of <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Write(Membership membership, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, membership.Slot);
        destination[8] = (byte)membership.NextNumber;
        destination[9] = (byte)membership.Members.Count;
        int offset = HeaderSize;
        foreach (var member in membership.Members)
        {
            destination[offset] = (byte)member.Number;
            destination[offset + 1] = member.IsVoter ? (byte)1 : (byte)0;
            offset += 2;
            offset += WriteString(member.Name, destination[offset..]);
            offset += WriteString(member.Url, destination[offset..]);
        }
        return offset;
    }

    /// <summary>Encodes <paramref name="membership"/> into a new array.</summary>
    public static byte[] Encode(Membership membership)
    {
        var bytes = new byte[Length(membership)];
        Write(membership, bytes);
        return bytes;
    }

    /// <summary>Reads a membership that takes the whole of <paramref name="source"/>.</summary>
    /// <exception cref="InvalidDataException">It is truncated, has trailing bytes, or breaks a rule of <see cref="Membership"/>.</exception>
    public static Membership Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < HeaderSize)
        {
            throw new InvalidDataException($"a membership takes at least {HeaderSize} bytes, not {source.Length}");
        }
        ulong slot = BinaryPrimitives.ReadUInt64LittleEndian(source);
        int nextNumber = source[8];
        int count = source[9];
        if (count > Membership.MaxNumbers)
        {
            throw new InvalidDataException($"a membership of {count} members; at most {Membership.MaxNumbers}");
        }
        var members = new List<Member>(count);
        int offset = HeaderSize;
        for (int i = 0; i < count; i++)
        {
            if (source.Length - offset < 2)
            {
                throw new InvalidDataException("a membership ends inside a member");
            }
            int number = source[offset];
            byte voter = source[offset + 1];
            if (voter > 1)
            {
                throw new InvalidDataException($"member {number} has voter flag {voter}");
            }
            offset += 2;
            string name = ReadString(source, ref offset, Membership.MaxNameBytes, "name");
            string url = ReadString(source, ref offset, Membership.MaxUrlBytes, "url");
            members.Add(new Member(number, name, url, voter == 1));
        }
        if (offset != source.Length)
        {
            throw new InvalidDataException($"a membership has {source.Length - offset} trailing bytes");
        }
        try
        {
            return new Membership(slot, members, nextNumber);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"invalid membership: {e.Message}", e);
        }
    }

    private static int WriteString(string value, Span<byte> destination)
    {
        int length = Encoding.UTF8.GetBytes(value, destination[sizeof(ushort)..]);
        BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)length);
        return sizeof(ushort) + length;
    }

    private static string ReadString(ReadOnlySpan<byte> source, ref int offset, int maxBytes, string what)
    {
        if (source.Length - offset < sizeof(ushort))
        {
            throw new InvalidDataException($"a membership ends inside a {what} length");
        }
        int length = BinaryPrimitives.ReadUInt16LittleEndian(source[offset..]);
        offset += sizeof(ushort);
        if (length > maxBytes || length > source.Length - offset)
        {
            throw new InvalidDataException($"a member's {what} of {length} bytes is longer than {maxBytes} or than what remains");
        }
        string value;
        try
        {
            value = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(source.Slice(offset, length));
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"a member's {what} is not UTF-8", e);
        }
        offset += length;
        return value;
    }
}
