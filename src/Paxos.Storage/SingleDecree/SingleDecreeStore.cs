using System.Buffers.Binary;
using System.Text;
using Paxos.Core;

namespace Paxos.Storage.SingleDecree;

/// <summary>
/// Durable state of the single-decree Paxos instances on one node: one checksummed file per
/// instance (acceptor state and learned value) and one for the highest ballot round this node
/// ever used as a proposer (so a restarted node never reuses a ballot). Every save is fsynced
/// before it returns; the caller sends its reply only after that. Not thread-safe: one writer.
/// </summary>
public sealed class SingleDecreeStore
{
    private const string InstanceSuffix = ".instance";
    private const string ProposerFile = "proposer.round";
    private static ReadOnlySpan<byte> ProposerMagic => "PXPR"u8;

    private readonly string _directory;
    private readonly Dictionary<string, InstanceRecord> _instances;

    private SingleDecreeStore(string directory, Dictionary<string, InstanceRecord> instances, ulong lastProposerRound)
    {
        _directory = directory;
        _instances = instances;
        LastProposerRound = lastProposerRound;
    }

    /// <summary>The highest ballot round this node used (or reserved) as a proposer.</summary>
    public ulong LastProposerRound { get; private set; }

    /// <summary>Instances with any state, in no particular order.</summary>
    public IReadOnlyDictionary<string, InstanceRecord> Instances => _instances;

    /// <summary>
    /// Opens (creating if needed) the store in <paramref name="directory"/> and reads every file,
    /// verifying checksums. Throws <see cref="StorageCorruptionException"/> on a corrupt file.
    /// </summary>
    public static SingleDecreeStore Open(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (string leftover in Directory.EnumerateFiles(directory, "*" + DurableFile.TemporarySuffix))
        {
            File.Delete(leftover); // an unfinished atomic write: never acknowledged, so never needed
        }
        var instances = new Dictionary<string, InstanceRecord>(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFiles(directory, "*" + InstanceSuffix))
        {
            string id = DecodeFileName(Path.GetFileNameWithoutExtension(path), path);
            instances[id] = InstanceRecordCodec.Decode(File.ReadAllBytes(path), path);
        }
        string proposerPath = Path.Combine(directory, ProposerFile);
        ulong round = File.Exists(proposerPath) ? DecodeRound(File.ReadAllBytes(proposerPath), proposerPath) : 0;
        return new SingleDecreeStore(directory, instances, round);
    }

    /// <summary>What this node keeps about instance <paramref name="instanceId"/>; <see cref="InstanceRecord.Empty"/> if nothing.</summary>
    public InstanceRecord Get(string instanceId) =>
        _instances.TryGetValue(instanceId, out var record) ? record : InstanceRecord.Empty;

    /// <summary>Durably stores <paramref name="record"/> (fsync) before returning.</summary>
    public void Save(string instanceId, InstanceRecord record)
    {
        var previous = Get(instanceId);
        Invariant.Check(record.Acceptor.Promised >= previous.Acceptor.Promised, "the promised ballot never goes down");
        Invariant.Check(previous.Chosen is null || (record.Chosen is not null && previous.Chosen.AsSpan().SequenceEqual(record.Chosen)), "a chosen value never changes");
        DurableFile.WriteAtomically(Path.Combine(_directory, EncodeFileName(instanceId) + InstanceSuffix), InstanceRecordCodec.Encode(record));
        _instances[instanceId] = record;
    }

    /// <summary>Durably records that this node used ballot round <paramref name="round"/> (fsync) before returning.</summary>
    public void SaveProposerRound(ulong round)
    {
        Invariant.Check(round > LastProposerRound, "a proposer's rounds only go up");
        var content = new byte[ProposerMagic.Length + sizeof(ulong) + sizeof(uint)];
        ProposerMagic.CopyTo(content);
        BinaryPrimitives.WriteUInt64LittleEndian(content.AsSpan(ProposerMagic.Length), round);
        BinaryPrimitives.WriteUInt32LittleEndian(content.AsSpan(content.Length - sizeof(uint)), Crc32C.Compute(content.AsSpan(0, content.Length - sizeof(uint))));
        DurableFile.WriteAtomically(Path.Combine(_directory, ProposerFile), content);
        LastProposerRound = round;
    }

    private static ulong DecodeRound(ReadOnlySpan<byte> data, string path)
    {
        if (data.Length != ProposerMagic.Length + sizeof(ulong) + sizeof(uint) || !data.StartsWith(ProposerMagic))
        {
            throw new StorageCorruptionException(path, 0, "malformed proposer round file");
        }
        int body = data.Length - sizeof(uint);
        if (Crc32C.Compute(data[..body]) != BinaryPrimitives.ReadUInt32LittleEndian(data[body..]))
        {
            throw new StorageCorruptionException(path, body, "checksum mismatch");
        }
        return BinaryPrimitives.ReadUInt64LittleEndian(data[ProposerMagic.Length..]);
    }

    private static string EncodeFileName(string instanceId) => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(instanceId));

    private static string DecodeFileName(string name, string path)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromHexString(name));
        }
        catch (FormatException)
        {
            throw new StorageCorruptionException(path, 0, "file name is not a hex-encoded instance id");
        }
    }
}
