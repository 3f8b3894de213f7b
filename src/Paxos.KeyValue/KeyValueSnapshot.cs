using Paxos.Core;
using System.Collections.Concurrent;

namespace Paxos.KeyValue;

/// <summary>
/// The snapshot format of <see cref="KeyValueStateMachine"/>, version 2, all integers little-endian:
/// <code>
/// snapshot = magic:"PXKV" version:u8(=2) last_applied_index:u64
///            epoch_round:u64 epoch_node:u32                                    ; the lease epoch's ballot
///            lease_count:u64  { lease_id:u64 ttl_ms:u64 }                      ; ascending lease_id
///            key_count:u64    { key:string index:u64 lease_id:u64 value:block } ; ascending ordinal key order; lease 0: none
///            client_count:u64 { client_id:string request_id:u64 last_write_index:u64 result:block } ; ascending last_write_index
///            crc32c:u32                                                        ; CRC-32C of every byte before it
/// string   = block holding strict UTF-8
/// block    = length:u32 data:length bytes
/// </code>
/// Version 1, written before leases existed, is version 2 without the epoch, the leases and the
/// keys' lease ids; it is still read (no leases, epoch zero). A lease's keys are not written twice:
/// they are the keys that name it.
/// The orders make the bytes a function of the state alone, so replicas with equal state write
/// equal snapshots. Reading checks every length against <see cref="KeyValueLimits"/> before
/// allocating, every order and index range, that every key's lease exists and holds at most
/// <see cref="KeyValueLimits.MaxKeysPerLease"/> keys, and the checksum.
/// </summary>
internal static class KeyValueSnapshot
{
    /// <summary>The format version written and read.</summary>
    public const byte FormatVersion = 2;

    /// <summary>The version written before leases existed, still read.</summary>
    private const byte VersionWithoutLeases = 1;

    private const uint Magic = 0x564B5850; // "PXKV" read as a little-endian u32

    /// <summary>A cached result is at most the longest result (a transaction's gets may return up to that).</summary>
    private static int MaxResultBytes => KeyValueResultCodec.MaxEncodedLength;

    /// <summary>
    /// Copies what a snapshot of the state holds now, on the apply loop: the references to the keys' values and the
    /// clients' results (both immutable), not the bytes, so it costs a copy of the tables, and later commands do not
    /// change it. <see cref="Write(Stream, Captured)"/> then writes it, on any thread.
    /// </summary>
    public static Captured Capture(ulong lastAppliedIndex, ConcurrentDictionary<string, StoredValue> data, ClientTable clients, LeaseTable leases)
    {
        var leaseTtls = new (ulong Id, long TtlMilliseconds)[leases.Count];
        int position = 0;
        foreach (var (leaseId, lease) in leases.InIdOrder)
        {
            leaseTtls[position++] = (leaseId, lease.TtlMilliseconds);
        }
        return new Captured(lastAppliedIndex, leases.Epoch, leaseTtls, data.ToArray(), [.. clients.OldestFirst]);
    }

    /// <summary>Writes a captured state in the format above; sorts the keys here, off the apply loop.</summary>
    public static void Write(Stream destination, Captured state)
    {
        var writer = new ChecksummedWriter(destination);
        writer.WriteUInt32(Magic);
        writer.WriteByte(FormatVersion);
        writer.WriteUInt64(state.LastAppliedIndex);

        writer.WriteUInt64(state.Epoch.Round);
        writer.WriteUInt32((uint)state.Epoch.NodeId);
        writer.WriteUInt64((ulong)state.Leases.Length);
        foreach (var (leaseId, ttl) in state.Leases)
        {
            writer.WriteUInt64(leaseId);
            writer.WriteUInt64((ulong)ttl);
        }

        KeyValuePair<string, StoredValue>[] keys = state.Data;
        Array.Sort(keys, static (x, y) => string.CompareOrdinal(x.Key, y.Key));
        writer.WriteUInt64((ulong)keys.Length);
        foreach (var (key, stored) in keys)
        {
            writer.WriteString(key);
            writer.WriteUInt64(stored.Index);
            writer.WriteUInt64(stored.LeaseId);
            writer.WriteBlock(stored.Value);
        }

        writer.WriteUInt64((ulong)state.Clients.Length);
        foreach (ClientRecord client in state.Clients)
        {
            writer.WriteString(client.ClientId);
            writer.WriteUInt64(client.RequestId);
            writer.WriteUInt64(client.LastWriteIndex);
            writer.WriteBlock(client.Result);
        }
        writer.Finish();
    }

    /// <summary>A state as <see cref="Capture"/> copied it: leases in id order, keys unsorted, clients oldest write first.</summary>
    internal sealed record Captured(
        ulong LastAppliedIndex,
        Ballot Epoch,
        (ulong Id, long TtlMilliseconds)[] Leases,
        KeyValuePair<string, StoredValue>[] Data,
        ClientRecord[] Clients);

    /// <exception cref="InvalidDataException">The snapshot is corrupt, truncated or of another version.</exception>
    public static SnapshotContents Read(Stream source)
    {
        var reader = new ChecksummedReader(source);
        uint magic = reader.ReadUInt32();
        if (magic != Magic)
        {
            throw ChecksummedReader.Corrupt($"bad magic 0x{magic:X8}; this is not a key-value snapshot");
        }
        byte version = reader.ReadByte();
        if (version is not (FormatVersion or VersionWithoutLeases))
        {
            throw ChecksummedReader.Corrupt($"unsupported format version {version} (this build reads versions {VersionWithoutLeases} and {FormatVersion})");
        }
        ulong lastApplied = reader.ReadUInt64();
        LeaseTable leases = version == FormatVersion ? ReadLeases(reader, lastApplied) : new LeaseTable();
        ConcurrentDictionary<string, StoredValue> data = ReadData(reader, lastApplied, leases, version == FormatVersion);
        ClientTable clients = ReadClients(reader, lastApplied);
        reader.VerifyChecksum();
        return new SnapshotContents(lastApplied, data, clients, leases);
    }

    private static LeaseTable ReadLeases(ChecksummedReader reader, ulong lastApplied)
    {
        var leases = new LeaseTable();
        ulong round = reader.ReadUInt64();
        uint node = reader.ReadUInt32();
        if (node > int.MaxValue)
        {
            throw ChecksummedReader.Corrupt($"the lease epoch's node {node} is out of range");
        }
        leases.Epoch = new Ballot(round, (int)node);
        ulong count = reader.ReadUInt64();
        if (count > KeyValueLimits.MaxLeases)
        {
            throw ChecksummedReader.Corrupt($"{count} leases; at most {KeyValueLimits.MaxLeases} exist");
        }
        ulong previous = 0;
        for (ulong i = 0; i < count; i++)
        {
            ulong leaseId = reader.ReadUInt64();
            CheckIndex(leaseId, lastApplied, "a lease's id");
            if (leaseId <= previous)
            {
                throw ChecksummedReader.Corrupt($"lease {i} is out of order or repeated");
            }
            long ttl = unchecked((long)reader.ReadUInt64());
            if (KeyValueLimits.ValidateLeaseTtl(ttl) is { } error)
            {
                throw ChecksummedReader.Corrupt($"lease {leaseId}: {error}");
            }
            leases.Grant(leaseId, ttl);
            previous = leaseId;
        }
        return leases;
    }

    private static ConcurrentDictionary<string, StoredValue> ReadData(ChecksummedReader reader, ulong lastApplied, LeaseTable leases, bool withLeases)
    {
        var data = new ConcurrentDictionary<string, StoredValue>(StringComparer.Ordinal);
        ulong count = reader.ReadUInt64();
        string? previous = null;
        for (ulong i = 0; i < count; i++)
        {
            string key = reader.ReadString(KeyValueLimits.MaxKeyBytes, "key");
            if (KeyValueLimits.ValidateKey(key) is { } error)
            {
                throw ChecksummedReader.Corrupt(error);
            }
            if (previous is not null && string.CompareOrdinal(previous, key) >= 0)
            {
                throw ChecksummedReader.Corrupt($"key {i} is out of order or repeated");
            }
            ulong index = reader.ReadUInt64();
            CheckIndex(index, lastApplied, "a key's index");
            ulong leaseId = withLeases ? reader.ReadUInt64() : 0;
            if (leaseId != 0)
            {
                if (!leases.TryGet(leaseId, out LeaseTable.Lease? lease))
                {
                    throw ChecksummedReader.Corrupt($"key {i} names lease {leaseId}, which does not exist");
                }
                if (lease.Keys.Count == KeyValueLimits.MaxKeysPerLease)
                {
                    throw ChecksummedReader.Corrupt($"lease {leaseId} has more than {KeyValueLimits.MaxKeysPerLease} keys");
                }
                leases.Attach(leaseId, key);
            }
            byte[] value = reader.ReadBlock(KeyValueLimits.MaxValueBytes, "value");
            data[key] = new StoredValue(value, index, leaseId);
            previous = key;
        }
        return data;
    }

    private static ClientTable ReadClients(ChecksummedReader reader, ulong lastApplied)
    {
        var clients = new ClientTable();
        ulong count = reader.ReadUInt64();
        ulong previousIndex = 0;
        for (ulong i = 0; i < count; i++)
        {
            string clientId = reader.ReadString(KeyValueLimits.MaxClientIdBytes, "client id");
            if (clientId.Length == 0 || KeyValueLimits.ValidateClientId(clientId) is not null)
            {
                throw ChecksummedReader.Corrupt($"client {i} has an invalid id");
            }
            if (clients.TryGet(clientId, out _))
            {
                throw ChecksummedReader.Corrupt($"client {i} is repeated");
            }
            ulong requestId = reader.ReadUInt64();
            ulong lastWriteIndex = reader.ReadUInt64();
            CheckIndex(lastWriteIndex, lastApplied, "a client's last write index");
            if (lastWriteIndex <= previousIndex)
            {
                throw ChecksummedReader.Corrupt($"client {i} is out of order");
            }
            byte[] result = reader.ReadBlock(MaxResultBytes, "cached result");
            try
            {
                KeyValueResultCodec.Decode(result);
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"Corrupt key-value snapshot: client {i} has a malformed cached result.", e);
            }
            clients.Record(new ClientRecord(clientId, requestId, lastWriteIndex, result));
            previousIndex = lastWriteIndex;
        }
        return clients;
    }

    private static void CheckIndex(ulong index, ulong lastApplied, string what)
    {
        if (index == 0 || index > lastApplied)
        {
            throw ChecksummedReader.Corrupt($"{what} {index} is outside 1..{lastApplied}");
        }
    }
}
