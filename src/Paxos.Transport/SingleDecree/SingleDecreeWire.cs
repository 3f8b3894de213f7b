using System.Text;
using Grpc.Core;
using Paxos.Core.SingleDecree;
using CoreBallot = Paxos.Core.Ballot;
using WireBallot = Paxos.Transport.V1.Ballot;

namespace Paxos.Transport.SingleDecree;

/// <summary>
/// Maps single-decree messages between the wire (protobuf) and the core, validating everything
/// that arrives: a malformed request becomes an <see cref="RpcException"/> with INVALID_ARGUMENT
/// and never reaches the protocol state.
/// </summary>
public static class SingleDecreeWire
{
    /// <summary>The protobuf form of a ballot.</summary>
    public static WireBallot ToWire(CoreBallot ballot) => new() { Round = ballot.Round, NodeIndex = ballot.NodeId };

    /// <summary>A ballot a proposer of this cluster could have used: present, round above 0, node index in range.</summary>
    public static CoreBallot ParseBallot(WireBallot? ballot, int clusterSize, string field)
    {
        if (ballot is null)
        {
            throw Invalid($"{field} is missing");
        }
        if (ballot.Round == 0)
        {
            throw Invalid($"{field} has round 0, which no proposer uses");
        }
        if (ballot.NodeIndex < 0 || ballot.NodeIndex >= clusterSize)
        {
            throw Invalid($"{field} names node index {ballot.NodeIndex}, which is not a node of this {clusterSize}-node cluster");
        }
        return new CoreBallot(Round(ballot, field), ballot.NodeIndex);
    }

    /// <summary>A ballot reported by a peer; absent means Zero (nothing promised).</summary>
    public static CoreBallot ParseReportedBallot(WireBallot? ballot) =>
        ballot is null ? CoreBallot.Zero : new CoreBallot(Round(ballot, "reported ballot"), ballot.NodeIndex);

    /// <summary>The ballot's round, at most <see cref="WireLimits.MaxBallotRound"/>: a proposer must always find a ballot above it.</summary>
    private static ulong Round(WireBallot ballot, string field) =>
        ballot.Round <= WireLimits.MaxBallotRound ? ballot.Round : throw Invalid($"{field} has round {ballot.Round}; the limit is {WireLimits.MaxBallotRound}");

    /// <summary>A request's instance id: not empty, at most <see cref="WireLimits.MaxInstanceIdBytes"/> UTF-8 bytes; else INVALID_ARGUMENT.</summary>
    public static string ParseInstanceId(string instanceId)
    {
        if (string.IsNullOrEmpty(instanceId))
        {
            throw Invalid("instance_id is empty");
        }
        int bytes = Encoding.UTF8.GetByteCount(instanceId);
        if (bytes > WireLimits.MaxInstanceIdBytes)
        {
            throw Invalid($"instance_id is {bytes} UTF-8 bytes; the limit is {WireLimits.MaxInstanceIdBytes}");
        }
        return instanceId;
    }

    /// <summary>A proposed or accepted value of at most <see cref="WireLimits.MaxValueBytes"/> bytes; else INVALID_ARGUMENT naming <paramref name="field"/>.</summary>
    public static byte[] ParseValue(Google.Protobuf.ByteString value, string field)
    {
        if (value.Length > WireLimits.MaxValueBytes)
        {
            throw Invalid($"{field} is {value.Length} bytes; the limit is {WireLimits.MaxValueBytes}");
        }
        return value.ToByteArray();
    }

    /// <summary>The proposal a promise reports as accepted, or null if the acceptor accepted nothing.</summary>
    public static Proposal? ParseAccepted(bool hasAccepted, WireBallot? ballot, Google.Protobuf.ByteString value) =>
        hasAccepted ? new Proposal(ParseReportedBallot(ballot), value.ToByteArray()) : null;

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
