using System.Globalization;
using Google.Protobuf;

namespace Paxos.Bench;

/// <summary>
/// The keys and values of a run, made once before it so that requests allocate nothing of their own:
/// each key as a string (Paxos) and as bytes (etcd), and a few distinct random values.
/// </summary>
internal sealed class BenchDataset
{
    /// <summary>How many distinct values there are to write.</summary>
    public const int ValueCount = 16;

    private BenchDataset(string[] keys, ByteString[] keyBytes, ByteString[] values)
    {
        Keys = keys;
        KeyBytes = keyBytes;
        Values = values;
    }

    /// <summary>The keys, <c>bench/0000000</c> onwards.</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>The same keys in UTF-8.</summary>
    public IReadOnlyList<ByteString> KeyBytes { get; }

    /// <summary>Distinct random values of the run's value size.</summary>
    public IReadOnlyList<ByteString> Values { get; }

    /// <summary>Makes <paramref name="keyCount"/> keys and <see cref="ValueCount"/> values of <paramref name="valueSize"/> bytes.</summary>
    public static BenchDataset Create(int keyCount, int valueSize, int seed)
    {
        var keys = new string[keyCount];
        var keyBytes = new ByteString[keyCount];
        for (int i = 0; i < keyCount; i++)
        {
            keys[i] = "bench/" + i.ToString("D7", CultureInfo.InvariantCulture);
            keyBytes[i] = ByteString.CopyFromUtf8(keys[i]);
        }
        var random = new Random(seed);
        var values = new ByteString[ValueCount];
        var buffer = new byte[valueSize];
        for (int i = 0; i < ValueCount; i++)
        {
            random.NextBytes(buffer);
            buffer[0] = (byte)i; // distinct even when a value is a single byte
            values[i] = ByteString.CopyFrom(buffer);
        }
        return new BenchDataset(keys, keyBytes, values);
    }
}
