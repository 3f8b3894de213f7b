using Paxos.KeyValue;

namespace Paxos.Fuzz.Afl;

/// <summary>
/// The key-value store's snapshot, what a lagging node installs: it is checked whole before it
/// replaces anything, so a damaged one is an <see cref="InvalidDataException"/> and the store keeps its state.
/// </summary>
public static class KeyValueSnapshotTarget
{
    public static FuzzTarget Target { get; } = new("kv-snapshot", Seeds, Take, typeof(InvalidDataException));

    private static IReadOnlyList<byte[]> Seeds()
    {
        var source = new KeyValueStateMachine();
        var commands = CommandCodecTarget.Commands.Select(KeyValueCommandCodec.Encode).ToArray();
        for (int i = 0; i < commands.Length; i++)
        {
            source.Apply((ulong)i + 1, commands[i]);
        }
        var snapshot = new MemoryStream();
        source.WriteSnapshot(snapshot);
        return [snapshot.ToArray()];
    }

    private static void Take(byte[] input)
    {
        var store = new KeyValueStateMachine();
        store.Apply(1, KeyValueCommandCodec.Encode(new PutCommand("mine", [1])));
        try
        {
            store.RestoreSnapshot(new MemoryStream(input));
        }
        catch (InvalidDataException)
        {
            if (!store.TryGet("mine", out _, out _) || store.LastAppliedIndex != 1)
            {
                throw new InvalidOperationException("a refused snapshot changed the store");
            }
            throw;
        }
    }
}
