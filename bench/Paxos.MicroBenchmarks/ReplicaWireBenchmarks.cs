using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Paxos.Core;
using Paxos.Core.Replication;
using Paxos.Transport.Replication;
using Wire = Paxos.Transport.V1;

namespace Paxos.MicroBenchmarks;

/// <summary>
/// A full Accept (64 slots of one 100-byte command each) through the peer wire: core message to
/// protobuf and bytes on the sending side, bytes to protobuf and validated core message on the receiving side.
/// </summary>
[MemoryDiagnoser]
public class ReplicaWireBenchmarks
{
    private const int Slots = 64;
    private const int CommandSize = 100;

    private Accept _accept = null!;
    private byte[] _encoded = [];

    /// <summary>Builds the Accept and its encoded delivery.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var ballot = new Ballot(7, 0);
        var entries = new LogEntry[Slots];
        for (int i = 0; i < Slots; i++)
        {
            var command = new byte[CommandSize];
            Random.Shared.NextBytes(command);
            entries[i] = new LogEntry((ulong)(1000 + i), ballot, new SlotValue([command], ballot));
        }
        _accept = new Accept(0, 1, ballot, 999, entries);
        _encoded = Encode();
    }

    /// <summary><c>ReplicaWire.ToWire</c> into a delivery, then protobuf serialization.</summary>
    [Benchmark]
    public byte[] Encode()
    {
        var request = new Wire.DeliverRequest { FromNode = 0, ToNode = 1 };
        request.Messages.Add(ReplicaWire.ToWire(_accept));
        return request.ToByteArray();
    }

    /// <summary>Protobuf parsing, then <c>ReplicaWire.FromWire</c> (validation and mapping to the core's records).</summary>
    [Benchmark]
    public List<ReplicaMessage> Decode()
    {
        Wire.DeliverRequest request = Wire.DeliverRequest.Parser.ParseFrom(_encoded);
        return ReplicaWire.FromWire(request, self: 1, clusterSize: 5);
    }
}
