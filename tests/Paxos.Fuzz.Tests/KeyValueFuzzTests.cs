using CsCheck;
using Paxos.Fuzz.Afl;
using Paxos.KeyValue;
using Xunit.Abstractions;

namespace Paxos.Fuzz.Tests;

/// <summary>
/// The key-value store's own formats: the command codec (what the log carries), the result codec
/// (what travels back to a forwarding node) and the snapshot (what a lagging node installs).
/// </summary>
public sealed class KeyValueFuzzTests(ITestOutputHelper output)
{
    private static readonly byte[][] CommandSeeds = [.. CommandCodecTarget.Commands.Select(KeyValueCommandCodec.Encode)];

    /// <summary>A command decodes to its only encoding or is refused, and the store applies it (<see cref="CommandCodecTarget"/>).</summary>
    [Fact]
    public void A_command_decodes_to_its_only_encoding_or_is_refused()
    {
        var target = CommandCodecTarget.Target;
        Fuzz.Check(output, Mutations.Of(target.Seeds), bytes => bytes.Length, target.Take, iterations: 5_000, target.Refusals);
    }

    /// <summary>
    /// Every replica applies every chosen command, whatever a node put in the log: applying any bytes
    /// must answer (a rejection for what is not a valid command) and never throw, or all replicas stop.
    /// </summary>
    [Fact]
    public void The_store_applies_any_bytes_without_throwing()
    {
        Fuzz.Check(output, Gen.Select(Mutations.Of(CommandSeeds), Mutations.Of(CommandSeeds)), input => input.Item1.Length + input.Item2.Length, input =>
        {
            var store = new KeyValueStateMachine();
            KeyValueResultCodec.Decode(store.Apply(1, input.Item1));
            KeyValueResultCodec.Decode(store.Apply(2, input.Item2));
        }, iterations: 3_000);
    }

    [Fact]
    public void A_result_decodes_to_its_only_encoding_or_is_refused()
    {
        var store = new KeyValueStateMachine();
        byte[][] seeds =
        [
            .. CommandSeeds.Select((command, i) => store.Apply((ulong)i + 1, command)),
            KeyValueResultCodec.Encode(new RejectedResult("too large")),
            KeyValueResultCodec.Encode(new StaleRequestResult(5)),
        ];
        DecodesCanonicallyOrIsRefused(seeds, bytes => KeyValueResultCodec.Encode(KeyValueResultCodec.Decode(bytes)));
    }

    /// <summary>Decoding is strict, so every encoding has one meaning: <paramref name="roundTrip"/> gives back its input or throws <see cref="FormatException"/>.</summary>
    private void DecodesCanonicallyOrIsRefused(byte[][] seeds, Func<byte[], byte[]> roundTrip) =>
        Fuzz.Check(output, Mutations.Of(seeds), bytes => bytes.Length, bytes => Assert.Equal(bytes, roundTrip(bytes)), iterations: 5_000, typeof(FormatException));

    /// <summary>A snapshot is checked whole before it replaces anything: a damaged one is refused and the store keeps its state.</summary>
    [Fact]
    public void A_damaged_snapshot_is_refused_and_changes_nothing()
    {
        var target = KeyValueSnapshotTarget.Target;
        Fuzz.Check(output, Mutations.Of(target.Seeds, maxRandomLength: 2048), bytes => bytes.Length, target.Take, iterations: 3_000, target.Refusals);
    }
}
