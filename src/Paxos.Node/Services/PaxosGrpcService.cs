using Google.Protobuf;
using Grpc.Core;
using Paxos.Core.SingleDecree;
using Paxos.Node.Replication;
using Paxos.Node.SingleDecree;
using Paxos.Transport.Replication;
using Paxos.Transport.SingleDecree;
using Paxos.Node.Hosting;
using Paxos.Transport.V1;
using Microsoft.Extensions.Hosting;

namespace Paxos.Node.Services;

/// <summary>
/// The node-to-node <c>PaxosService</c>: admits only calls from other members of this cluster
/// (<see cref="PeerGate"/>), validates each request (a malformed one gets INVALID_ARGUMENT, one
/// that names another sender, or carries the ballot of a node other than the caller, gets
/// PERMISSION_DENIED; neither touches state), hands it to the acceptor loop, and replies once the
/// new state is on disk. With TLS, the caller's certificate must name the node it says it is. GetStatus
/// is the operator's and answers anyone.
/// </summary>
public sealed class PaxosGrpcService(AcceptorLoop acceptor, ReplicaDriver replica, ReplicaSnapshots snapshots, NodeIdentity identity, MemberDirectory members, PeersHeard heard, PeerGate gate, IHostApplicationLifetime lifetime)
    : PaxosService.PaxosServiceBase
{
    private const long MaxSnapshotBytes = 64L * 1024 * 1024 * 1024;

    /// <summary>Receives a snapshot from the leader in chunks, verifies it and installs it if it is ahead of this replica.</summary>
    public override async Task<InstallSnapshotResponse> InstallSnapshot(IAsyncStreamReader<SnapshotChunk> requestStream, ServerCallContext context)
    {
        int sender = gate.Admit(context);
        if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            throw gate.Refuse(context, PeerRefusal.Malformed, "empty snapshot stream");
        }
        var first = requestStream.Current;
        if (first.FromNode != sender)
        {
            throw gate.Refuse(context, PeerRefusal.WrongSender, $"snapshot from node {first.FromNode} on a call from node {sender}");
        }
        if (first.Index <= replica.Status.AppliedIndex)
        {
            return new InstallSnapshotResponse { InstalledIndex = replica.Status.AppliedIndex }; // already past it
        }
        using var writer = BeginReceive(first, context);
        var chunk = first;
        while (true)
        {
            writer.Write(chunk.Data.Span);
            if (writer.ContentLength > MaxSnapshotBytes)
            {
                throw gate.Refuse(context, PeerRefusal.Malformed, $"snapshot larger than {MaxSnapshotBytes} bytes");
            }
            if (chunk.Last)
            {
                break;
            }
            if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
            {
                throw gate.Refuse(context, PeerRefusal.Malformed, "snapshot stream ended before its last chunk");
            }
            chunk = requestStream.Current;
        }
        try
        {
            snapshots.CheckReceived(writer, chunk.HasContentCrc ? chunk.ContentCrc : null);
        }
        catch (InvalidDataException e)
        {
            throw gate.Refuse(context, PeerRefusal.Malformed, e.Message);
        }
        try
        {
            ulong installed = await replica.InstallReceivedSnapshotAsync(writer, context.CancellationToken).ConfigureAwait(false);
            return new InstallSnapshotResponse { InstalledIndex = installed };
        }
        catch (InvalidDataException e)
        {
            throw gate.Refuse(context, PeerRefusal.Malformed, e.Message);
        }
    }

    /// <summary>Where a snapshot from a peer is received, once its first chunk's index and metadata are found sound.</summary>
    private Paxos.Storage.Snapshots.SnapshotWriter BeginReceive(SnapshotChunk first, ServerCallContext context)
    {
        if (first.Index > long.MaxValue)
        {
            throw gate.Refuse(context, PeerRefusal.Malformed, $"snapshot of slot {first.Index}, beyond any log");
        }
        try
        {
            return snapshots.BeginReceive(first.Index, first.Metadata.Span, first.HasMetadataCrc ? first.MetadataCrc : null);
        }
        catch (InvalidDataException e)
        {
            throw gate.Refuse(context, PeerRefusal.Malformed, e.Message);
        }
    }

    /// <summary>
    /// A peer's long-lived message stream. It ends when the peer ends it, and also when this node
    /// starts stopping: the server's graceful stop waits for open calls, and a peer never ends its
    /// stream on its own while it runs, so without this every stop would wait out the host's timeout.
    /// A delivery that is refused ends the stream; nothing of it reaches the replica.
    /// </summary>
    public override async Task<DeliverResponse> Deliver(IAsyncStreamReader<DeliverRequest> requestStream, ServerCallContext context)
    {
        int sender = gate.Admit(context);
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        while (await NextAsync(requestStream, ended.Token).ConfigureAwait(false))
        {
            gate.Readmit(context, sender);
            var delivery = requestStream.Current;
            if (delivery.FromNode != sender)
            {
                throw gate.Refuse(context, PeerRefusal.WrongSender, $"delivery from node {delivery.FromNode} on a stream from node {sender}");
            }
            List<Paxos.Core.Replication.ReplicaMessage> messages;
            try
            {
                messages = ReplicaWire.FromWire(delivery, members.Self, Paxos.Core.Replication.Membership.MaxNumbers);
            }
            catch (PeerIdentityException e)
            {
                throw gate.Refuse(context, e.Reason, e.Message);
            }
            catch (InvalidDataException e)
            {
                throw gate.Refuse(context, PeerRefusal.Malformed, e.Message);
            }
            var promised = replica.Status.Ballot;
            foreach (var message in messages)
            {
                if (Paxos.Core.BallotBound.TryFindTooFarAhead(message, promised, out var ballot))
                {
                    throw TooFarAhead(context, ballot, promised); // the core would drop it; refused here so the stream ends and it is counted
                }
            }
            if (messages.Count > 0)
            {
                heard.Record(sender); // durably, before the replica sees anything the sender promised or accepted (FreshStartCheck)
            }
            replica.Deliver(messages);
        }
        return new DeliverResponse();
    }

    /// <summary>The next delivery; false at the end of the stream or once this node is stopping.</summary>
    private async Task<bool> NextAsync(IAsyncStreamReader<DeliverRequest> requestStream, CancellationToken cancellationToken)
    {
        try
        {
            return await requestStream.MoveNext(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>This node's role, ballot, leader and log positions.</summary>
    public override async Task<GetStatusResponse> GetStatus(GetStatusRequest request, ServerCallContext context)
    {
        if (context.RequestHeaders.GetValue(FreshStartCheck.HeardFromHeader) is { } asked)
        {
            // A node starting from an empty data directory asks whether this one has heard from its number before.
            bool known = int.TryParse(asked, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int number) && heard.Contains(number);
            string answer = known ? FreshStartCheck.Yes : heard.IsEmpty ? FreshStartCheck.NoOne : FreshStartCheck.No;
            await context.WriteResponseHeadersAsync(new Metadata { { FreshStartCheck.HeardHeader, answer } }).ConfigureAwait(false);
        }
        var status = replica.Status;
        return new GetStatusResponse
        {
            NodeId = identity.Id,
            Role = status.Role,
            Ballot = SingleDecreeWire.ToWire(status.Ballot),
            LeaderId = status.LeaderId >= 0 ? members.NameOf(status.LeaderId) : "",
            CommitIndex = status.CommitIndex,
            AppliedIndex = status.AppliedIndex,
            SnapshotIndex = status.SnapshotIndex,
        };
    }

    /// <summary>Single-decree phase 1a: the acceptor's promise (fsynced) or refusal.</summary>
    public override async Task<PrepareResponse> Prepare(PrepareRequest request, ServerCallContext context)
    {
        int sender = gate.AdmitFileNode(context);
        string id = SingleDecreeWire.ParseInstanceId(request.InstanceId);
        var ballot = OwnBallot(request.Ballot, sender, "prepare", context);
        var reply = await acceptor.PrepareAsync(id, ballot, context.CancellationToken).ConfigureAwait(false);
        if (!reply.Granted && Paxos.Core.BallotBound.IsTooFarAbove(ballot, reply.Promised))
        {
            throw TooFarAhead(context, ballot, reply.Promised);
        }
        var response = new PrepareResponse { Promised = reply.Granted, PromisedBallot = SingleDecreeWire.ToWire(reply.Promised) };
        if (reply.Accepted is { } accepted)
        {
            response.HasAccepted = true;
            response.AcceptedBallot = SingleDecreeWire.ToWire(accepted.Ballot);
            response.AcceptedValue = ByteString.CopyFrom(accepted.Value);
        }
        return response;
    }

    /// <summary>Single-decree phase 2a: the acceptor's acceptance (fsynced) or refusal.</summary>
    public override async Task<AcceptResponse> Accept(AcceptRequest request, ServerCallContext context)
    {
        int sender = gate.AdmitFileNode(context);
        string id = SingleDecreeWire.ParseInstanceId(request.InstanceId);
        var ballot = OwnBallot(request.Ballot, sender, "accept", context);
        byte[] value = SingleDecreeWire.ParseValue(request.Value, "value");
        var reply = await acceptor.AcceptAsync(id, new Proposal(ballot, value), context.CancellationToken).ConfigureAwait(false);
        if (!reply.Granted && Paxos.Core.BallotBound.IsTooFarAbove(ballot, reply.Promised))
        {
            throw TooFarAhead(context, ballot, reply.Promised);
        }
        return new AcceptResponse { Accepted = reply.Granted, PromisedBallot = SingleDecreeWire.ToWire(reply.Promised) };
    }

    /// <summary>Single-decree: a value was chosen; the learner records it.</summary>
    public override async Task<DecideResponse> Decide(DecideRequest request, ServerCallContext context)
    {
        gate.AdmitFileNode(context);
        string id = SingleDecreeWire.ParseInstanceId(request.InstanceId);
        byte[] value = SingleDecreeWire.ParseValue(request.Value, "value");
        await acceptor.DecideAsync(id, value, context.CancellationToken).ConfigureAwait(false);
        return new DecideResponse();
    }

    /// <summary>Single-decree: what this node learned and accepted for an instance.</summary>
    public override async Task<LearnResponse> Learn(LearnRequest request, ServerCallContext context)
    {
        gate.AdmitFileNode(context);
        string id = SingleDecreeWire.ParseInstanceId(request.InstanceId);
        var report = await acceptor.LearnAsync(id, context.CancellationToken).ConfigureAwait(false);
        var response = new LearnResponse();
        if (report.Chosen is { } chosen)
        {
            response.Chosen = true;
            response.ChosenValue = ByteString.CopyFrom(chosen);
        }
        if (report.Accepted is { } accepted)
        {
            response.HasAccepted = true;
            response.AcceptedBallot = SingleDecreeWire.ToWire(accepted.Ballot);
            response.AcceptedValue = ByteString.CopyFrom(accepted.Value);
        }
        return response;
    }

    /// <summary>The refusal of a ballot the acceptor did not take because it is too far above its promise (<see cref="Paxos.Core.BallotBound"/>).</summary>
    private RpcException TooFarAhead(ServerCallContext context, Paxos.Core.Ballot ballot, Paxos.Core.Ballot promised) =>
        gate.Refuse(context, PeerRefusal.BallotTooFarAhead,
            $"ballot {ballot} is more than {Paxos.Core.BallotBound.MaxRoundsAhead} rounds above this node's promised {promised}; no election jumps so far");

    /// <summary>A single-decree request's ballot, which must be one of the calling node's.</summary>
    private Paxos.Core.Ballot OwnBallot(Ballot? wire, int sender, string what, ServerCallContext context)
    {
        var ballot = SingleDecreeWire.ParseBallot(wire, identity.ClusterSize, "ballot");
        if (ballot.NodeId != sender)
        {
            throw gate.Refuse(context, PeerRefusal.BallotNotSender, $"{what} from node {sender} in ballot {ballot}, a ballot of node {ballot.NodeId}");
        }
        return ballot;
    }
}
