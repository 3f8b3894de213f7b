using System.Buffers.Binary;
using System.Text;
using Paxos.Simulation.Checking;
using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.SelfCheck;

/// <summary>
/// The register server's write-ahead log on a <see cref="SimDisk"/>: one record per mutating
/// request, framed as [length][FNV-1a checksum][payload]. Reading stops at the first incomplete or
/// corrupt record (a torn tail) and cuts the file there.
/// </summary>
internal static class RegisterLog
{
    public const string FileName = "register.wal";

    private const int HeaderSize = 8;

    /// <summary>Appends (without syncing) the record of a request.</summary>
    public static void Append(SimDisk disk, RegisterRequest request)
    {
        KvInput input = request.Input;
        string text = string.Join('\t', request.Client, request.Sequence, (int)input.Kind, input.Key, input.Value, input.ExpectAbsent ? 1 : 0, input.Expected);
        byte[] payload = Encoding.UTF8.GetBytes(text);
        var record = new byte[HeaderSize + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(record, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Fnv1a(payload));
        payload.CopyTo(record, HeaderSize);
        disk.Append(FileName, record);
    }

    /// <summary>Reads every intact record in order, cutting off a torn tail.</summary>
    public static List<RegisterRequest> ReadAll(SimDisk disk, out bool tornTailCut)
    {
        byte[] content = disk.Read(FileName);
        var requests = new List<RegisterRequest>();
        int offset = 0;
        while (content.Length - offset >= HeaderSize)
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(content.AsSpan(offset));
            if (length < 0 || content.Length - offset - HeaderSize < length)
            {
                break;
            }

            ReadOnlySpan<byte> payload = content.AsSpan(offset + HeaderSize, length);
            if (Fnv1a(payload) != BinaryPrimitives.ReadUInt32LittleEndian(content.AsSpan(offset + 4)))
            {
                break;
            }

            requests.Add(Decode(payload));
            offset += HeaderSize + length;
        }

        tornTailCut = offset < content.Length;
        if (tornTailCut)
        {
            disk.Truncate(FileName, offset);
        }

        return requests;
    }

    private static RegisterRequest Decode(ReadOnlySpan<byte> payload)
    {
        string[] f = Encoding.UTF8.GetString(payload).Split('\t');
        var kind = (KvOperationKind)int.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture);
        KvInput input = new(kind, f[3], f[4].Length == 0 ? null : f[4], f[5] == "1", f[6].Length == 0 ? null : f[6]);
        return new RegisterRequest(
            int.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture),
            long.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture),
            input);
    }

    private static uint Fnv1a(ReadOnlySpan<byte> data)
    {
        uint hash = 2166136261;
        foreach (byte b in data)
        {
            hash = (hash ^ b) * 16777619;
        }

        return hash;
    }
}
