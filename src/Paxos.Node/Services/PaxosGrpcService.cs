using Google.Protobuf;
using Grpc.Core;
using Paxos.Core.SingleDecree;
using Paxos.Node.Replication;
using Paxos.Node.SingleDecree;
using Paxos.Transport.Replication;
using Paxos.Transport.SingleDecree;
using Paxos.Node.Hosting;
using Paxos.Node.Security;
using Paxos.Transport.V1;
using Microsoft.Extensions.Hosting;

namespace Paxos.Node.Services;

/// <summary>
/// The node-to-node <c>PaxosService</c>: validates each request (a malformed one gets
/// INVALID_ARGUMENT and never touches state), hands it to the acceptor loop, and replies once the
/// new state is on disk. With TLS, a call whose certificate does not name the node it claims to
/// be gets PERMISSION_DENIED first (<see cref="PeerCertificateCheck"/>).
/// </summary>
public sealed class PaxosGrpcService(AcceptorLoop acceptor, ReplicaDriver replica, ReplicaSnapshots snapshots, NodeIdentity identity, IHostApplicationLifetime lifetime,
    PeerCertificateCheck peers)
    : PaxosService.PaxosServiceBase
{
    private const long MaxSnapshotBytes = 64L * 1024 * 1024 * 1024;

    /// <summary>Receives a snapshot from the leader in chunks, verifies it and installs it if it is ahead of this replica.</summary>
    public override async Task<InstallSnapshotResponse> InstallSnapshot(IAsyncStreamReader<SnapshotChunk> requestStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "empty snapshot stream"));
        }
        var first = requestStream.Current;
        peers.Demand(context, first.FromNode);
        if (first.FromNode < 0 || first.FromNode >= identity.ClusterSize || first.FromNode == identity.Index)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"snapshot from node {first.FromNode}, which is not another node of this cluster"));
        }
        if (first.Index <= replica.Status.AppliedIndex)
        {
            return new InstallSnapshotResponse { InstalledIndex = replica.Status.AppliedIndex }; // already past it
        }
        using var writer = snapshots.BeginReceive(first.Index, first.Metadata.Span);
        var chunk = first;
        while (true)
        {
            writer.Write(chunk.Data.Span);
            if (writer.ContentLength > MaxSnapshotBytes)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"snapshot larger than {MaxSnapshotBytes} bytes"));
            }
            if (chunk.Last)
            {
                break;
            }
            if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "snapshot stream ended before its last chunk"));
            }
            chunk = requestStream.Current;
        }
        try
        {
            ulong installed = await replica.InstallReceivedSnapshotAsync(writer, context.CancellationToken).ConfigureAwait(false);
            return new InstallSnapshotResponse { InstalledIndex = installed };
        }
        catch (InvalidDataException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
    }

    /// <summary>
    /// A peer's long-lived message stream. It ends when the peer ends it, and also when this node
    /// starts stopping: the server's graceful stop waits for open calls, and a peer never ends its
    /// stream on its own while it runs, so without this every stop would wait out the host's timeout.
    /// </summary>
    public override async Task<DeliverResponse> Deliver(IAsyncStreamReader<DeliverRequest> requestStream, ServerCallContext context)
    {
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var named = peers.PeersOf(context);
        while (await NextAsync(requestStream, ended.Token).ConfigureAwait(false))
        {
            peers.Demand(named, requestStream.Current.FromNode, context);
            List<Paxos.Core.Replication.ReplicaMessage> messages;
            try
            {
                messages = ReplicaWire.FromWire(requestStream.Current, identity.Index, identity.ClusterSize);
            }
            catch (InvalidDataException e)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
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
    public override Task<GetStatusResponse> GetStatus(GetStatusRequest request, ServerCallContext context)
    {
        var status = replica.Status;
        return Task.FromResult(new GetStatusResponse
        {
            NodeId = identity.Id,
            Role = status.Role,
            Ballot = SingleDecreeWire.ToWire(status.Ballot),
            LeaderId = status.LeaderId >= 0 ? identity.NodeIds[status.LeaderId] : "",
            CommitIndex = status.CommitIndex,
            AppliedIndex = status.AppliedIndex,
            SnapshotIndex = status.SnapshotIndex,
        });
    }

    /// <summary>Single-decree phase 1a: the acceptor's promise (fsynced) or refusal.</summary>
    public override async Task<PrepareResponse> Prepare(PrepareRequest request, ServerCallContext context)
    {
        peers.Demand(context, request.Ballot?.NodeIndex ?? -1);
        string id = SingleDecreeWire.ParseInstanceId(request.InstanceId);
        var ballot = SingleDecreeWire.ParseBallot(request.Ballot, identity.ClusterSize, "ballot");
        var reply = await acceptor.PrepareAsync(id, ballot, context.CancellationToken).ConfigureAwait(false);
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
        peers.Demand(context, request.Ballot?.NodeIndex ?? -1);
        string id = SingleDecreeWire.ParseInstanceId(request.InstanceId);
        var ballot = SingleDecreeWire.ParseBallot(request.Ballot, identity.ClusterSize, "ballot");
        byte[] value = SingleDecreeWire.ParseValue(request.Value, "value");
        var reply = await acceptor.AcceptAsync(id, new Proposal(ballot, value), context.CancellationToken).ConfigureAwait(false);
        return new AcceptResponse { Accepted = reply.Granted, PromisedBallot = SingleDecreeWire.ToWire(reply.Promised) };
    }

    /// <summary>Single-decree: a value was chosen; the learner records it.</summary>
    public override async Task<DecideResponse> Decide(DecideRequest request, ServerCallContext context)
    {
        peers.Demand(context, claimed: null);
        string id = SingleDecreeWire.ParseInstanceId(request.InstanceId);
        byte[] value = SingleDecreeWire.ParseValue(request.Value, "value");
        await acceptor.DecideAsync(id, value, context.CancellationToken).ConfigureAwait(false);
        return new DecideResponse();
    }

    /// <summary>Single-decree: what this node learned and accepted for an instance.</summary>
    public override async Task<LearnResponse> Learn(LearnRequest request, ServerCallContext context)
    {
        peers.Demand(context, claimed: null);
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
}
