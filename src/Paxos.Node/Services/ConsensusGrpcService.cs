using Google.Protobuf;
using Grpc.Core;
using Paxos.Node.SingleDecree;
using Paxos.Transport.SingleDecree;
using Paxos.Transport.V1;

namespace Paxos.Node.Services;

/// <summary>The client-facing <c>ConsensusService</c> of single-decree Paxos: propose through this node, read what it learned.</summary>
public sealed class ConsensusGrpcService(SingleDecreeEngine engine) : ConsensusService.ConsensusServiceBase
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Proposes a value for a single-decree instance and answers with the value chosen (maybe another).</summary>
    public override async Task<ProposeResponse> Propose(ProposeRequest request, ServerCallContext context)
    {
        string id = SingleDecreeWire.ParseInstanceId(request.InstanceId);
        byte[] value = SingleDecreeWire.ParseValue(request.Value, "value");
        var timeout = request.TimeoutMs == 0 ? DefaultTimeout : TimeSpan.FromMilliseconds(Math.Min(request.TimeoutMs, MaxTimeout.TotalMilliseconds));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var outcome = await engine.ProposeAsync(id, value, deadline.Token).ConfigureAwait(false);
            return new ProposeResponse { ChosenValue = ByteString.CopyFrom(outcome.ChosenValue), Ballot = SingleDecreeWire.ToWire(outcome.Ballot) };
        }
        catch (NoQuorumException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, e.Message));
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"not chosen within {timeout.TotalMilliseconds} ms; the proposal's outcome is unknown"));
        }
    }

    /// <summary>The value chosen for an instance, if this node learned it.</summary>
    public override async Task<GetLearnedResponse> GetLearned(GetLearnedRequest request, ServerCallContext context)
    {
        string id = SingleDecreeWire.ParseInstanceId(request.InstanceId);
        byte[]? value = await engine.GetLearnedAsync(id, request.LearnFromPeers, context.CancellationToken).ConfigureAwait(false);
        return value is null ? new GetLearnedResponse() : new GetLearnedResponse { Learned = true, Value = ByteString.CopyFrom(value) };
    }
}
