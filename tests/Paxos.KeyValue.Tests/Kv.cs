using System.Text;

namespace Paxos.KeyValue.Tests;

/// <summary>Shorthands shared by the tests.</summary>
internal static class Kv
{
    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Encodes <paramref name="command"/>, applies it at <paramref name="index"/> and decodes the result.</summary>
    public static KeyValueResult Run(this KeyValueStateMachine machine, ulong index, KeyValueCommand command) =>
        KeyValueResultCodec.Decode(machine.Apply(index, KeyValueCommandCodec.Encode(command)));

    public static byte[] Snapshot(this KeyValueStateMachine machine)
    {
        using var stream = new MemoryStream();
        machine.WriteSnapshot(stream);
        return stream.ToArray();
    }

    public static void Restore(this KeyValueStateMachine machine, byte[] snapshot)
    {
        using var stream = new MemoryStream(snapshot);
        machine.RestoreSnapshot(stream);
    }

    /// <summary>The value of <paramref name="key"/> as a string, or null if absent.</summary>
    public static string? GetString(this KeyValueStateMachine machine, string key, out ulong index) =>
        machine.TryGet(key, out ReadOnlyMemory<byte> value, out index) ? Encoding.UTF8.GetString(value.Span) : null;
}
