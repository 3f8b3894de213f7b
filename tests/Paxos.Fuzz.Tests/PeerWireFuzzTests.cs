using CsCheck;
using Google.Protobuf;
using Paxos.Fuzz.Afl;
using Xunit.Abstractions;

namespace Paxos.Fuzz.Tests;

/// <summary>
/// Peer messages as node 0 of a 3-node cluster receives them from node 1 (<see cref="PeerDeliveryTarget"/>),
/// and single-decree requests and snapshot chunks (<see cref="PeerRequestTarget"/>).
/// </summary>
public sealed class PeerWireFuzzTests(ITestOutputHelper output)
{
    private static readonly IReadOnlyList<Transport.V1.DeliverRequest> Valid = PeerDeliveryTarget.ValidDeliveries;

    /// <summary>Byte mutations of valid deliveries, and field mutations that keep them well-formed.</summary>
    private static readonly Gen<byte[]> Inputs = Gen.Frequency(
        (1, Mutations.Of([.. Valid.Select(v => v.ToByteArray())])),
        (1, Gen.Select(Gen.Int[0, Valid.Count - 1], Gen.Int[1, 4], Gen.Int, (i, count, seed) => FieldMutations.Mutate(Valid[i], count, new Random(seed)))));

    [Fact]
    public void A_delivery_is_refused_whole_or_taken_by_a_follower_and_a_leader_without_fault()
    {
        var target = PeerDeliveryTarget.Target;
        Fuzz.Check(output, Gen.Select(Inputs, Gen.Bool, (bytes, leader) => PeerDeliveryTarget.Input(leader, bytes)), input => input.Length,
            target.Take, iterations: 3_000, target.Refusals);
    }

    [Fact]
    public void A_single_decree_request_or_snapshot_chunk_parses_or_is_refused()
    {
        var target = PeerRequestTarget.Target;
        Fuzz.Check(output, Mutations.Of(target.Seeds), bytes => bytes.Length, target.Take, iterations: 3_000, target.Refusals);
    }
}
