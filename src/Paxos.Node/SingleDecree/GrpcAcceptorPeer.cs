using Google.Protobuf;
using Paxos.Core;
using Paxos.Core.SingleDecree;
using Paxos.Transport.SingleDecree;
using Paxos.Transport.V1;
using Ballot = Paxos.Core.Ballot;

namespace Paxos.Node.SingleDecree;

/// <summary>A remote acceptor and learner, reached over gRPC's <c>PaxosService</c>.</summary>
public sealed class GrpcAcceptorPeer(PaxosService.PaxosServiceClient client) : IAcceptorPeer
{
    /// <inheritdoc/>
    public async Task<PromiseReply> PrepareAsync(string instanceId, Ballot ballot, CancellationToken cancellationToken)
    {
        var reply = await client.PrepareAsync(
            new PrepareRequest { InstanceId = instanceId, Ballot = SingleDecreeWire.ToWire(ballot) },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        return new PromiseReply(
            reply.Promised,
            ballot,
            SingleDecreeWire.ParseReportedBallot(reply.PromisedBallot),
            SingleDecreeWire.ParseAccepted(reply.HasAccepted, reply.AcceptedBallot, reply.AcceptedValue));
    }

    /// <inheritdoc/>
    public async Task<AcceptReply> AcceptAsync(string instanceId, Proposal proposal, CancellationToken cancellationToken)
    {
        var reply = await client.AcceptAsync(
            new AcceptRequest { InstanceId = instanceId, Ballot = SingleDecreeWire.ToWire(proposal.Ballot), Value = ByteString.CopyFrom(proposal.Value) },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        return new AcceptReply(reply.Accepted, proposal.Ballot, SingleDecreeWire.ParseReportedBallot(reply.PromisedBallot));
    }

    /// <inheritdoc/>
    public async Task DecideAsync(string instanceId, byte[] value, CancellationToken cancellationToken) =>
        await client.DecideAsync(new DecideRequest { InstanceId = instanceId, Value = ByteString.CopyFrom(value) }, cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public async Task<LearnReport> LearnAsync(string instanceId, CancellationToken cancellationToken)
    {
        var reply = await client.LearnAsync(new LearnRequest { InstanceId = instanceId }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new LearnReport(
            reply.Chosen ? reply.ChosenValue.ToByteArray() : null,
            SingleDecreeWire.ParseAccepted(reply.HasAccepted, reply.AcceptedBallot, reply.AcceptedValue));
    }
}
