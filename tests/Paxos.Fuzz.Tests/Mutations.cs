using System.Buffers.Binary;
using CsCheck;

namespace Paxos.Fuzz.Tests;

/// <summary>
/// Inputs for the fuzz targets: random bytes, and valid inputs with 1 to 8 random mutations (bit
/// flips, bytes set to boundary values, bytes inserted, deleted, duplicated, truncated, huge
/// varints and integers written over, splices of two valid inputs) the way AFL mutates its corpus.
/// </summary>
internal static class Mutations
{
    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x7F, 0x80, 0xFF];
    private static readonly ulong[] InterestingIntegers = [0, 1, 0x7F, 0x80, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, long.MaxValue, ulong.MaxValue];

    /// <summary>Half random bytes (up to <paramref name="maxRandomLength"/>), half mutations of <paramref name="seeds"/>.</summary>
    public static Gen<byte[]> Of(IReadOnlyList<byte[]> seeds, int maxRandomLength = 512) =>
        Gen.Frequency(
            (1, Gen.Byte.Array[0, maxRandomLength]),
            (3, Gen.Select(Gen.Int[0, seeds.Count - 1], Gen.Int[0, seeds.Count - 1], Gen.Int[1, 8], Gen.Int,
                (seed, other, count, random) => Mutate(seeds[seed], seeds[other], count, new Random(random)))));

    public static byte[] Mutate(byte[] seed, byte[] other, int count, Random random)
    {
        var bytes = new List<byte>(seed);
        Span<byte> integer = stackalloc byte[8];
        for (int i = 0; i < count; i++)
        {
            int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(9))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = InterestingBytes[random.Next(InterestingBytes.Length)];
                    break;
                case 2:
                    bytes.InsertRange(at, RandomBytes(random, random.Next(1, 17)));
                    break;
                case 3 when bytes.Count > 0:
                    bytes.RemoveRange(at, random.Next(1, Math.Min(16, bytes.Count - at) + 1));
                    break;
                case 4 when bytes.Count > 0:
                    int length = random.Next(1, Math.Min(64, bytes.Count - at) + 1);
                    bytes.InsertRange(random.Next(bytes.Count), bytes.GetRange(at, length));
                    break;
                case 5:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 6:
                    bytes.InsertRange(at, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]); // a varint of 2^32 - 1: a length no input holds
                    break;
                case 7 when bytes.Count >= 8:
                    BinaryPrimitives.WriteUInt64LittleEndian(integer, InterestingIntegers[random.Next(InterestingIntegers.Length)]);
                    int width = random.Next(2) == 0 ? 4 : 8;
                    int start = Math.Min(at, bytes.Count - width);
                    for (int b = 0; b < width; b++)
                    {
                        bytes[start + b] = integer[b];
                    }
                    break;
                default:
                    int cut = random.Next(other.Length + 1);
                    bytes.RemoveRange(at, bytes.Count - at);
                    bytes.AddRange(other.AsSpan(cut).ToArray());
                    break;
            }
        }
        return [.. bytes];
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
