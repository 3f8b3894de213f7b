using Google.Protobuf;
using Grpc.Core;
using Paxos.KeyValue;
using Paxos.Node.Hosting;
using Paxos.Node.Replication;
using Paxos.Transport.V1;
using WireKeyValue = Paxos.Transport.V1.KeyValue;

namespace Paxos.Node.Services;

/// <summary>
/// The client API of CONTRACT.md section 1 on every node. Writes go through the replicated log (a
/// node that does not lead has its driver forward them to the leader over the peer stream);
/// linearizable reads use a read-index barrier confirmed by the leader and are then answered from
/// this node's replica, as serializable reads are. When its own barrier fails (no leader known, or
/// the leader changed) a node forwards a linearizable read to the leader as a gRPC call; a
/// forwarded read that finds no leader fails with UNAVAILABLE. Its methods are bound to the
/// service's routes by <see cref="KeyValueMethodProvider"/>. List reads like Get; Txn writes like Put.
/// </summary>
internal sealed class KeyValueGrpcService(ReplicaDriver driver, KeyValueStateMachine store, LeaderDirectory leaders, TestHooks testHooks)
{
    internal const string ForwardedHeader = "paxos-forwarded-by";
    internal static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(10);
    internal static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan RecoveryWait = TimeSpan.FromSeconds(5);

    public async Task<PutResponse> Put(PutRequest request, ServerCallContext context)
    {
        Check(KeyValueLimits.ValidateKey(request.Key) ?? KeyValueLimits.ValidateValue(request.Value.Length) ?? KeyValueLimits.ValidateClientId(request.ClientId));
        var command = new PutCommand(request.Key, request.Value.ToByteArray(), request.ClientId, request.RequestId, request.LeaseId);
        var result = await WriteAsync(command, context).ConfigureAwait(false);
        return result switch
        {
            PutResult put => new PutResponse { Index = put.Index },
            _ => throw Unexpected(result, command),
        };
    }

    public async Task<DeleteResponse> Delete(DeleteRequest request, ServerCallContext context)
    {
        Check(KeyValueLimits.ValidateKey(request.Key) ?? KeyValueLimits.ValidateClientId(request.ClientId));
        var command = new DeleteCommand(request.Key, request.ClientId, request.RequestId);
        var result = await WriteAsync(command, context).ConfigureAwait(false);
        return result switch
        {
            DeleteResult delete => new DeleteResponse { Existed = delete.Existed, Index = delete.Index },
            _ => throw Unexpected(result, command),
        };
    }

    public async Task<CompareAndSwapResponse> CompareAndSwap(CompareAndSwapRequest request, ServerCallContext context)
    {
        Check(KeyValueLimits.ValidateKey(request.Key)
            ?? KeyValueLimits.ValidateValue(request.NewValue.Length)
            ?? KeyValueLimits.ValidateValue(request.ExpectedValue.Length)
            ?? KeyValueLimits.ValidateClientId(request.ClientId));
        var command = new CompareAndSwapCommand(request.Key, request.ExpectAbsent, request.ExpectedValue.ToByteArray(), request.NewValue.ToByteArray(), request.ClientId, request.RequestId);
        var result = await WriteAsync(command, context).ConfigureAwait(false);
        return result switch
        {
            CasResult cas => new CompareAndSwapResponse
            {
                Succeeded = cas.Succeeded,
                Found = cas.Found,
                CurrentValue = ByteString.CopyFrom(cas.CurrentValue.Span),
                Index = cas.Index,
            },
            _ => throw Unexpected(result, command),
        };
    }

    public async Task<GetResponse> Get(GetRequest request, ServerCallContext context)
    {
        Check(KeyValueLimits.ValidateKey(request.Key));
        if (await ReadBarrierAsync(request.Consistency, context, (client, options) => client.GetAsync(request, options).ResponseAsync).ConfigureAwait(false) is { } forwarded)
        {
            return forwarded;
        }
        return store.TryGet(request.Key, out var value, out ulong index)
            ? new GetResponse { Found = true, Value = ByteString.CopyFrom(value.Span), Index = index }
            : new GetResponse { Found = false, Index = 0 };
    }

    /// <summary>
    /// One page of keys with the prefix after start_after, read from this replica after the same
    /// barrier as <see cref="Get"/>, as one consistent cut (<see cref="KeyValueStateMachine.List"/>).
    /// </summary>
    public async Task<ListResponse> List(ListRequest request, ServerCallContext context)
    {
        Check(KeyValueLimits.ValidateListBound(request.Prefix, "prefix") ?? KeyValueLimits.ValidateListBound(request.StartAfter, "start_after"));
        if (await ReadBarrierAsync(request.Consistency, context, (client, options) => client.ListAsync(request, options).ResponseAsync).ConfigureAwait(false) is { } forwarded)
        {
            return forwarded;
        }
        int limit = request.Limit == 0 ? KeyValueLimits.DefaultListLimit : (int)Math.Min(request.Limit, int.MaxValue);
        var page = store.List(request.Prefix, request.StartAfter, limit);
        var response = new ListResponse { More = page.More, ReadIndex = page.ReadIndex };
        foreach (var item in page.Items)
        {
            response.Items.Add(new WireKeyValue { Key = item.Key, Value = ByteString.CopyFrom(item.Value.Span), Index = item.Index, LeaseId = item.LeaseId });
        }
        return response;
    }

    /// <summary>A transaction, through the log like <see cref="Put"/>; see <see cref="TxnTranslation"/> for what is refused.</summary>
    public async Task<TxnResponse> Txn(TxnRequest request, ServerCallContext context)
    {
        var command = TxnTranslation.ToCommand(request);
        Check(KeyValueLimits.ValidateCommand(command));
        var result = await WriteAsync(command, context).ConfigureAwait(false);
        return result switch
        {
            TxnResult txn => TxnTranslation.ToResponse(txn),
            _ => throw Unexpected(result, command),
        };
    }

    public Task<GetLeaderResponse> GetLeader(GetLeaderRequest request, ServerCallContext context)
    {
        int leader = leaders.LeaderId;
        return Task.FromResult(leader < 0
            ? new GetLeaderResponse { Known = false }
            : new GetLeaderResponse
            {
                Known = true,
                LeaderId = leaders.NameOf(leader),
                LeaderUrl = leaders.UrlOf(leader),
            });
    }

    /// <summary>
    /// A local (serializable) read waits for the replica to apply what its log held chosen at start,
    /// so that a restarted node never answers from less than it had applied before; UNAVAILABLE if
    /// that takes longer than <see cref="RecoveryWait"/> (the node is not taking part yet).
    /// </summary>
    private async Task LocalStateRecoveredAsync(ServerCallContext context)
    {
        if (driver.Recovered.IsCompleted)
        {
            return;
        }
        try
        {
            await driver.Recovered.WaitAsync(RecoveryWait, context.CancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "this node has not applied its log yet (it is starting, or waiting to take part); retry or ask another node"));
        }
    }

    /// <summary>
    /// For a linearizable read, waits until this replica has applied everything chosen before the
    /// call (a read-index barrier), or forwards the read to the leader when the barrier fails here
    /// and returns the leader's answer; returns null when the read is to be answered locally.
    /// </summary>
    private async Task<T?> ReadBarrierAsync<T>(ReadConsistency consistency, ServerCallContext context,
        Func<KeyValueService.KeyValueServiceClient, CallOptions, Task<T>> forward)
        where T : class
    {
        if (consistency is not (ReadConsistency.Linearizable or ReadConsistency.Serializable))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"consistency {(int)consistency} is not a ReadConsistency value"));
        }
        if (consistency == ReadConsistency.Serializable || testHooks.SkipReadIndex)
        {
            await LocalStateRecoveredAsync(context).ConfigureAwait(false);
            return null;
        }
        using var deadline = Deadline(context);
        try
        {
            while (true)
            {
                var barrier = await driver.ReadBarrierAsync(deadline.Token).ConfigureAwait(false);
                if (barrier.IsDone)
                {
                    return null;
                }
                int leader = await LeaderToForwardToAsync(barrier.LeaderHint, context, deadline.Token).ConfigureAwait(false);
                if (leader != leaders.Self && await TryForwardAsync(leader, context, forward, deadline.Token).ConfigureAwait(false) is { } forwarded)
                {
                    return forwarded;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw NoQuorum("read");
        }
    }

    /// <summary>Replicates <paramref name="command"/> until it is applied or the call's deadline passes; refusals become their gRPC statuses. Also <see cref="LeaseGrpcService"/>'s writes.</summary>
    internal async Task<KeyValueResult> WriteAsync(KeyValueCommand command, ServerCallContext context)
    {
        byte[] encoded = KeyValueCommandCodec.Encode(command);
        using var deadline = Deadline(context);
        try
        {
            return await ReplicateUntilDoneAsync(command, encoded, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw NoQuorum("write");
        }
    }

    private async Task<KeyValueResult> ReplicateUntilDoneAsync(KeyValueCommand command, byte[] encoded, CancellationToken deadline)
    {
        while (true)
        {
            var replicated = await driver.ReplicateAsync(encoded, deadline).ConfigureAwait(false);
            switch (replicated.Kind)
            {
                case ReplicaOutcomeKind.Done:
                    var result = KeyValueResultCodec.Decode(replicated.Value.Result);
                    return result switch
                    {
                        StaleRequestResult stale => throw new RpcException(new Status(StatusCode.FailedPrecondition,
                            $"request_id {command.RequestId} of client '{command.ClientId}' is older than its latest request {stale.LatestRequestId}")),
                        RejectedResult rejected => throw new RpcException(new Status(StatusCode.InvalidArgument, rejected.Reason)),
                        LeaseNotFoundResult missing => throw new RpcException(new Status(StatusCode.NotFound, $"lease {missing.LeaseId} does not exist; nothing was changed")),
                        ExhaustedResult exhausted => throw new RpcException(new Status(StatusCode.ResourceExhausted, exhausted.Reason + "; nothing was changed")),
                        _ => result,
                    };
                case ReplicaOutcomeKind.NotChosen:
                    break; // leadership changed before the slot was chosen and the command was not applied: retry
                case ReplicaOutcomeKind.NotLeader:
                    // No leader is known, or the one asked no longer leads; the command was not proposed: retry once one is.
                    await Task.Delay(RetryDelay, deadline).ConfigureAwait(false);
                    await leaders.WaitForLeaderAsync(deadline).ConfigureAwait(false);
                    break;
                default:
                    throw ErrorOf(replicated);
            }
        }
    }

    private async Task<int> LeaderToForwardToAsync(int leaderHint, ServerCallContext context, CancellationToken cancellationToken)
    {
        if (context.RequestHeaders.Get(ForwardedHeader) is not null)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "forwarded to a node that no longer leads; retry"));
        }
        int leader = leaderHint;
        if (leader < 0 || leader == leaders.Self)
        {
            await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false); // an election is under way
            leader = await leaders.WaitForLeaderAsync(cancellationToken).ConfigureAwait(false);
        }
        return leader;
    }

    /// <summary>
    /// Forwards a read to <paramref name="leader"/>. Returns null when that node turned out not
    /// to lead (or could not be reached) so the caller looks for the leader again; throws the
    /// leader's own answer otherwise (errors included: they are the client's).
    /// </summary>
    private async Task<T?> TryForwardAsync<T>(int leader, ServerCallContext context, Func<KeyValueService.KeyValueServiceClient, CallOptions, Task<T>> call, CancellationToken cancellationToken)
        where T : class
    {
        var headers = new Metadata { { ForwardedHeader, leaders.SelfName } };
        if (context.RequestHeaders.GetValue("authorization") is { } authorization)
        {
            headers.Add("authorization", authorization); // the client's token (auth.tokens), which the leader checks too
        }
        var options = new CallOptions(headers, deadline: context.Deadline == DateTime.MaxValue ? DateTime.UtcNow + DefaultDeadline : context.Deadline, cancellationToken: cancellationToken);
        try
        {
            return await call(leaders.Client(leader), options).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw NoQuorum("forwarded call");
        }
    }

    internal static CancellationTokenSource Deadline(ServerCallContext context)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var limit = context.Deadline == DateTime.MaxValue ? DefaultDeadline : context.Deadline - DateTime.UtcNow;
        source.CancelAfter(limit > TimeSpan.Zero ? limit : TimeSpan.Zero);
        return source;
    }

    private static void Check(string? error)
    {
        if (error is not null)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, error));
        }
    }

    /// <summary>
    /// The status of a refusal the services do not retry: the outcome is unknown (UNAVAILABLE), too
    /// much waits (RESOURCE_EXHAUSTED), the command is too large (INVALID_ARGUMENT), a membership change
    /// was refused (FAILED_PRECONDITION).
    /// </summary>
    internal static RpcException ErrorOf<T>(ReplicaOutcome<T> refusal) => new(new Status(refusal.Kind switch
    {
        ReplicaOutcomeKind.Overloaded => StatusCode.ResourceExhausted,
        ReplicaOutcomeKind.TooLarge => StatusCode.InvalidArgument,
        ReplicaOutcomeKind.Refused => StatusCode.FailedPrecondition,
        _ => StatusCode.Unavailable,
    }, refusal.Message));

    internal static RpcException NoQuorum(string what) =>
        new(new Status(StatusCode.Unavailable, $"no quorum: the {what} did not complete before the deadline; a write's outcome is unknown"));

    internal static InvalidOperationException Unexpected(KeyValueResult result) =>
        new($"the state machine answered with {result.GetType().Name}");

    /// <summary>
    /// A write answered with another kind of result: its (client_id, request_id) was first used for
    /// another kind of write, whose result the state machine gives every retry of that id.
    /// </summary>
    private static RpcException Unexpected(KeyValueResult result, KeyValueCommand command) =>
        new(new Status(StatusCode.FailedPrecondition,
            $"request_id {command.RequestId} of client '{command.ClientId}' was first used for another kind of write (answered with {result.GetType().Name}); a retry must repeat the same request"));
}
