using System.Buffers.Binary;
using System.Numerics;

namespace Paxos.KeyValue;

/// <summary>
/// CRC-32C (Castagnoli), hardware accelerated where the CPU has it. The same algorithm as
/// Paxos.Storage's, kept here because this project references only Paxos.Core.
/// </summary>
internal static class Crc32C
{
    /// <summary>Continues a CRC computed over earlier bytes (0 for none) with <paramref name="data"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint state = ~crc;
        while (data.Length >= sizeof(ulong))
        {
            state = (uint)BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }
        foreach (byte b in data)
        {
            state = BitOperations.Crc32C(state, b);
        }
        return ~state;
    }
}
