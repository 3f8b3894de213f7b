using System.Globalization;
using BenchmarkDotNet.Attributes;
using Paxos.KeyValue;

namespace Paxos.MicroBenchmarks;

/// <summary>
/// The key-value state machine applying encoded Put commands (100-byte values, cycling over
/// <see cref="Keys"/> keys, so after the first round every Put overwrites a key), one per operation.
/// </summary>
[MemoryDiagnoser]
public class KeyValueApplyBenchmarks
{
    private byte[][] _commands = [];
    private KeyValueStateMachine _machine = null!;
    private ulong _index;

    /// <summary>Distinct keys.</summary>
    [Params(1000)]
    public int Keys { get; set; }

    /// <summary>Encodes one Put per key and applies each once, so the benchmark measures overwrites.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var value = new byte[100];
        Random.Shared.NextBytes(value);
        _commands = new byte[Keys][];
        for (int i = 0; i < Keys; i++)
        {
            _commands[i] = KeyValueCommandCodec.Encode(new PutCommand("key-" + i.ToString("D6", CultureInfo.InvariantCulture), value));
        }
        _machine = new KeyValueStateMachine();
        _index = 0;
        foreach (byte[] command in _commands)
        {
            Apply(command);
        }
    }

    /// <summary>Applies the next Put (an overwrite).</summary>
    [Benchmark]
    public byte[] ApplyPut() => Apply(_commands[(int)(_index % (ulong)Keys)]);

    private byte[] Apply(byte[] command) => _machine.Apply(++_index, command);
}
