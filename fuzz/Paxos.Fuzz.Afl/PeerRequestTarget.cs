using Google.Protobuf;
using Grpc.Core;
using Paxos.Transport.SingleDecree;
using Wire = Paxos.Transport.V1;

namespace Paxos.Fuzz.Afl;

/// <summary>
/// A single-decree Prepare or Accept, or a snapshot chunk, from a peer (the first byte says which, modulo 3):
/// it parses and its fields check out, or it is refused.
/// </summary>
public static class PeerRequestTarget
{
    public static FuzzTarget Target { get; } = new("peer-request", Seeds, Take, typeof(InvalidProtocolBufferException), typeof(RpcException));

    private static IReadOnlyList<byte[]> Seeds()
    {
        var ballot = new Wire.Ballot { Round = 3, NodeIndex = 1 };
        return
        [
            [0, .. new Wire.PrepareRequest { InstanceId = "instance", Ballot = ballot }.ToByteArray()],
            [1, .. new Wire.AcceptRequest { InstanceId = "instance", Ballot = ballot, Value = ByteString.CopyFromUtf8("value") }.ToByteArray()],
            [2, .. new Wire.SnapshotChunk { FromNode = 1, Index = 9, Metadata = ByteString.CopyFrom(new byte[16]), Data = ByteString.CopyFromUtf8("data"), Last = true }.ToByteArray()],
        ];
    }

    private static void Take(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }
        var message = input.AsSpan(1);
        switch (input[0] % 3)
        {
            case 0:
                var prepare = Wire.PrepareRequest.Parser.ParseFrom(message);
                SingleDecreeWire.ParseInstanceId(prepare.InstanceId);
                SingleDecreeWire.ParseBallot(prepare.Ballot, 3, "ballot");
                break;
            case 1:
                var accept = Wire.AcceptRequest.Parser.ParseFrom(message);
                SingleDecreeWire.ParseInstanceId(accept.InstanceId);
                SingleDecreeWire.ParseBallot(accept.Ballot, 3, "ballot");
                SingleDecreeWire.ParseValue(accept.Value, "value");
                break;
            default:
                _ = Wire.SnapshotChunk.Parser.ParseFrom(message);
                break;
        }
    }
}
