using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Paxos.Transport.Security;
using V1 = Paxos.Transport.V1;

namespace Paxos.Client;

/// <summary>
/// A client of a Paxos for .NET cluster's key-value API (CONTRACT.md section 1). Thread-safe; make
/// one per application and share it, as its connections are reused across calls.
/// </summary>
/// <remarks>
/// <para><b>Connections.</b> One gRPC channel per endpoint, opened on first use and closed by
/// <see cref="DisposeAsync"/>.</para>
/// <para><b>Leader.</b> Writes and linearizable reads go to the leader, learned with GetLeader and
/// forgotten when a call to it fails; until it is known again they go to the other endpoints in
/// turn. Any node serves any call (a follower forwards), so this only saves a hop. With
/// <see cref="EndpointSelection.RoundRobin"/> every call goes to the next endpoint in turn instead,
/// except lease keep-alives: only the leader renews a lease, and a follower passes each one on as a
/// gRPC call of its own, so they go to the leader with either selection.</para>
/// <para><b>Retries.</b> A call that finds a node unreachable, or a node that cannot reach a quorum
/// in time, is retried at the next endpoint after a growing pause, until the call's deadline. A
/// write is retried with the same client id and request id, so the cluster applies it at most once
/// and a retry gets the first attempt's result. Other errors are not retried.</para>
/// <para><b>Errors.</b> <see cref="PaxosNoQuorumException"/> (nothing reachable or no quorum, and a
/// write certainly not applied), <see cref="PaxosOutcomeUnknownException"/> (a write that may or may
/// not have been applied), <see cref="PaxosInvalidArgumentException"/>, <see cref="PaxosRpcException"/>
/// (any other error answer), and <see cref="OperationCanceledException"/> when the caller's token is
/// cancelled (a write's outcome is then unknown too).</para>
/// </remarks>
public sealed partial class PaxosClient : IAsyncDisposable
{
    private const int NoLeader = -1;

    private readonly Endpoint[] _endpoints;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _attemptTimeout;
    private readonly RetryBackoff _backoff;
    private readonly WriterSessions _sessions;
    private readonly EndpointSelection _selection;
    private readonly bool _failFast;
    private int _leader = NoLeader;
    private int _preferred;
    private int _turn = -1;
    private int _disposed;

    /// <summary>A client of the nodes at <paramref name="endpoints"/>, with the default <see cref="PaxosClientOptions"/> otherwise.</summary>
    public PaxosClient(IEnumerable<Uri> endpoints)
        : this(new PaxosClientOptions { Endpoints = [.. endpoints ?? throw new ArgumentNullException(nameof(endpoints))] })
    {
    }

    /// <summary>A client with the given <paramref name="options"/>.</summary>
    public PaxosClient(PaxosClientOptions options)
        : this(options, url => OpenChannel(url, options))
    {
    }

    /// <summary>A client whose connections <paramref name="connect"/> opens: real gRPC channels, or test doubles.</summary>
    internal PaxosClient(PaxosClientOptions options, Func<Uri, ChannelBase> connect)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _endpoints = [.. options.Endpoints.Select(url => new Endpoint(url, connect))];
        _timeout = options.Timeout;
        _attemptTimeout = options.AttemptTimeout;
        _backoff = new RetryBackoff(options.InitialBackoff, options.MaxBackoff, Random.Shared.NextDouble);
        ClientId = options.ClientId ?? "dotnet-" + Guid.NewGuid().ToString("N");
        _sessions = new WriterSessions(ClientId);
        _selection = options.EndpointSelection;
        _failFast = options.FailFastWhenUnreachable;
    }

    /// <summary>The id under which the cluster deduplicates this client's writes.</summary>
    public string ClientId { get; }

    /// <summary>Writes <paramref name="value"/> under <paramref name="key"/>.</summary>
    /// <param name="key">1 to 1024 UTF-8 bytes.</param>
    /// <param name="value">Up to 1 MiB.</param>
    /// <param name="timeout">The call's overall deadline, retries included; <see cref="PaxosClientOptions.Timeout"/> if null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<PutResult> PutAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        PutAsync(key, value, leaseId: 0, timeout, cancellationToken);

    /// <summary>Writes <paramref name="value"/> under <paramref name="key"/>, attached to lease <paramref name="leaseId"/>: the key is deleted when the lease ends.</summary>
    /// <param name="key">1 to 1024 UTF-8 bytes.</param>
    /// <param name="value">Up to 1 MiB.</param>
    /// <param name="leaseId">A lease from <see cref="GrantLeaseAsync"/>; 0 for none. One that does not exist fails the put with <see cref="PaxosRpcException"/> (NotFound).</param>
    /// <param name="timeout">The call's overall deadline, retries included; <see cref="PaxosClientOptions.Timeout"/> if null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <remarks>The value is sent as it is, not copied: it must not change until the returned task completes.</remarks>
    public Task<PutResult> PutAsync(string key, ReadOnlyMemory<byte> value, ulong leaseId, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        CheckKey(key);
        var request = new V1.PutRequest { Key = key, Value = UnsafeByteOperations.UnsafeWrap(value), LeaseId = leaseId };
        return WriteAsync("put", request, static (request, clientId, requestId) =>
        {
            request.ClientId = clientId;
            request.RequestId = requestId;
        }, static async (client, request, options) => new PutResult((await client.PutAsync(request, options).ConfigureAwait(false)).Index), timeout, cancellationToken);
    }

    /// <summary>Writes the UTF-8 bytes of <paramref name="value"/> under <paramref name="key"/>.</summary>
    /// <inheritdoc cref="PutAsync(string, ReadOnlyMemory{byte}, TimeSpan?, CancellationToken)"/>
    public Task<PutResult> PutAsync(string key, string value, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        return PutAsync(key, System.Text.Encoding.UTF8.GetBytes(value), timeout, cancellationToken);
    }

    /// <summary>Reads <paramref name="key"/>.</summary>
    /// <param name="key">1 to 1024 UTF-8 bytes.</param>
    /// <param name="consistency">Linearizable (the default, through the leader) or serializable (any node's replica, may be stale).</param>
    /// <param name="timeout">The call's overall deadline, retries included; <see cref="PaxosClientOptions.Timeout"/> if null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<GetResult> GetAsync(string key, ReadConsistency consistency = ReadConsistency.Linearizable, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        CheckKey(key);
        var request = new V1.GetRequest
        {
            Key = key,
            Consistency = ToWire(consistency),
        };
        return CallAsync("the get", consistency == ReadConsistency.Linearizable ? Route.Leader : Route.AnyNode, isWrite: false, request, static async (endpoint, request, options) =>
        {
            var reply = await endpoint.Client.GetAsync(request, options).ConfigureAwait(false);
            return new GetResult(reply.Found, reply.Value.Memory, reply.Index);
        }, Deadline(timeout), cancellationToken);
    }

    /// <summary>Deletes <paramref name="key"/>.</summary>
    /// <param name="key">1 to 1024 UTF-8 bytes.</param>
    /// <param name="timeout">The call's overall deadline, retries included; <see cref="PaxosClientOptions.Timeout"/> if null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<DeleteResult> DeleteAsync(string key, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        CheckKey(key);
        return WriteAsync("delete", new V1.DeleteRequest { Key = key }, static (request, clientId, requestId) =>
        {
            request.ClientId = clientId;
            request.RequestId = requestId;
        }, static async (client, request, options) =>
        {
            var reply = await client.DeleteAsync(request, options).ConfigureAwait(false);
            return new DeleteResult(reply.Existed, reply.Index);
        }, timeout, cancellationToken);
    }

    /// <summary>
    /// Writes <paramref name="newValue"/> under <paramref name="key"/> if the key's value is
    /// <paramref name="expectedValue"/>, or, when that is null, if the key does not exist.
    /// </summary>
    /// <param name="key">1 to 1024 UTF-8 bytes.</param>
    /// <param name="expectedValue">The value the key must have; null: the key must be absent.</param>
    /// <param name="newValue">Up to 1 MiB.</param>
    /// <param name="timeout">The call's overall deadline, retries included; <see cref="PaxosClientOptions.Timeout"/> if null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <remarks>The values are sent as they are, not copied: they must not change until the returned task completes.</remarks>
    public Task<CompareAndSwapResult> CompareAndSwapAsync(string key, ReadOnlyMemory<byte>? expectedValue, ReadOnlyMemory<byte> newValue, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        CheckKey(key);
        var request = new V1.CompareAndSwapRequest
        {
            Key = key,
            ExpectAbsent = expectedValue is null,
            ExpectedValue = expectedValue is { } expected ? UnsafeByteOperations.UnsafeWrap(expected) : ByteString.Empty,
            NewValue = UnsafeByteOperations.UnsafeWrap(newValue),
        };
        return WriteAsync("compare-and-swap", request, static (request, clientId, requestId) =>
        {
            request.ClientId = clientId;
            request.RequestId = requestId;
        }, static async (client, request, options) =>
        {
            var reply = await client.CompareAndSwapAsync(request, options).ConfigureAwait(false);
            return new CompareAndSwapResult(reply.Succeeded, reply.Found, reply.CurrentValue.Memory, reply.Index);
        }, timeout, cancellationToken);
    }

    /// <summary>Asks a node who leads the cluster (and remembers the answer for later calls).</summary>
    /// <param name="timeout">The call's overall deadline, retries included; <see cref="PaxosClientOptions.Timeout"/> if null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<LeaderInfo> GetLeaderAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        CallAsync("the leader query", Route.AnyNode, isWrite: false, async (client, options) =>
        {
            var reply = await client.GetLeaderAsync(new V1.GetLeaderRequest(), options).ConfigureAwait(false);
            Volatile.Write(ref _leader, Find(reply));
            return reply.Known
                ? new LeaderInfo(true, reply.LeaderId, Uri.TryCreate(reply.LeaderUrl, UriKind.Absolute, out var url) ? url : null)
                : new LeaderInfo(false, null, null);
        }, Deadline(timeout), cancellationToken);

    /// <summary>Closes every connection this client opened. Calls made afterwards throw <see cref="ObjectDisposedException"/>.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            foreach (var endpoint in _endpoints)
            {
                endpoint.Dispose();
            }
        }
        return ValueTask.CompletedTask;
    }

    private enum Route
    {
        /// <summary>The leader when known, else the endpoints in turn.</summary>
        Leader,

        /// <summary>The endpoint that last answered, else the others in turn.</summary>
        AnyNode,

        /// <summary>
        /// The leader when known, else the endpoints in turn, with either selection: for calls only
        /// the leader serves (keep-alives), which a follower passes on as a whole gRPC call of its own.
        /// </summary>
        LeaderOnly,
    }

    /// <summary>
    /// A write: one session (client id) and one request id, which <paramref name="stamp"/> sets on
    /// <paramref name="request"/>, for all its attempts.
    /// </summary>
    private async Task<TResult> WriteAsync<TRequest, TResult>(
        string operation,
        TRequest request,
        Action<TRequest, string, ulong> stamp,
        Func<V1.KeyValueService.KeyValueServiceClient, TRequest, CallOptions, Task<TResult>> send,
        TimeSpan? timeout,
        CancellationToken cancellationToken)
    {
        var deadline = Deadline(timeout);
        var session = _sessions.Take();
        try
        {
            ulong requestId = session.NextRequestId();
            stamp(request, session.ClientId, requestId);
            return await CallAsync(new CallLabel(operation, session.ClientId, requestId), Route.Leader, isWrite: true,
                (request, send), static (endpoint, state, options) => state.send(endpoint.Client, state.request, options), deadline, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sessions.Return(session);
        }
    }

    private Task<TResult> CallAsync<TResult>(
        CallLabel operation,
        Route route,
        bool isWrite,
        Func<V1.KeyValueService.KeyValueServiceClient, CallOptions, Task<TResult>> call,
        DateTime deadline,
        CancellationToken cancellationToken) =>
        CallAsync(operation, route, isWrite, call, static (endpoint, call, options) => call(endpoint.Client, options), deadline, cancellationToken);

    private Task<TResult> CallAsync<TResult>(
        CallLabel operation,
        Route route,
        bool isWrite,
        Func<Endpoint, CallOptions, Task<TResult>> call,
        DateTime deadline,
        CancellationToken cancellationToken) =>
        CallAsync(operation, route, isWrite, call, static (endpoint, call, options) => call(endpoint, options), deadline, cancellationToken);

    /// <summary>
    /// Runs <paramref name="call"/> (with <paramref name="state"/>, so that a call needs no closure)
    /// at one endpoint after another until one answers, an error is final, or
    /// <paramref name="deadline"/> passes (or, failing fast, no endpoint could be connected to).
    /// </summary>
    private async Task<TResult> CallAsync<TState, TResult>(
        CallLabel operation,
        Route route,
        bool isWrite,
        TState state,
        Func<Endpoint, TState, CallOptions, Task<TResult>> call,
        DateTime deadline,
        CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        bool maybeDelivered = false;
        RpcException? last = null;
        int lastFailed = NoLeader;
        int undeliveredInARow = 0;
        bool roundRobin = _selection == EndpointSelection.RoundRobin;
        int start = roundRobin ? (int)((uint)Interlocked.Increment(ref _turn) % (uint)_endpoints.Length) : Volatile.Read(ref _preferred);
        for (int attempt = 0; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (attempt > 0)
            {
                var pause = Min(_backoff.Delay(attempt), deadline - DateTime.UtcNow);
                if (pause > TimeSpan.Zero)
                {
                    await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                }
            }
            if (DateTime.UtcNow >= deadline)
            {
                break;
            }
            int target = (start + attempt) % _endpoints.Length;
            try
            {
                if ((route == Route.Leader && !roundRobin) || route == Route.LeaderOnly)
                {
                    // A leader that just failed this call is passed over, even if a node (not having noticed yet) names it.
                    int leader = Volatile.Read(ref _leader);
                    if (leader == NoLeader)
                    {
                        leader = await LearnLeaderAsync(target, lastFailed, deadline, cancellationToken).ConfigureAwait(false);
                    }
                    if (leader != NoLeader && leader != lastFailed)
                    {
                        target = leader;
                    }
                }
                var options = new CallOptions(deadline: Min(deadline, DateTime.UtcNow + _attemptTimeout), cancellationToken: cancellationToken);
                var result = await call(_endpoints[target], state, options).ConfigureAwait(false);
                Volatile.Write(ref _preferred, target);
                return result;
            }
            catch (RpcException e) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("the call was cancelled", e, cancellationToken);
            }
            catch (RpcException e)
            {
                var failure = RpcFailures.Classify(e);
                if (failure == AttemptFailure.Final)
                {
                    throw RpcFailures.Translate(e);
                }
                maybeDelivered |= failure == AttemptFailure.MaybeDelivered;
                last = e;
                lastFailed = target;
                // The node may be down: ask again who leads before the next leader-bound call goes there.
                Interlocked.CompareExchange(ref _leader, NoLeader, target);
                undeliveredInARow = failure == AttemptFailure.NotDelivered ? undeliveredInARow + 1 : 0;
                if (_failFast && undeliveredInARow >= _endpoints.Length)
                {
                    if (isWrite && maybeDelivered)
                    {
                        break; // an earlier attempt may have been applied: the outcome is unknown
                    }
                    throw new PaxosNoQuorumException($"{operation} reached no node: none could be connected to ({Tried(last)})", last);
                }
            }
        }
        if (isWrite && maybeDelivered)
        {
            throw new PaxosOutcomeUnknownException($"{operation} was sent but no node confirmed it before the deadline, so it may or may not have been applied ({Tried(last)})", last);
        }
        throw new PaxosNoQuorumException($"{operation} did not complete before the deadline: no node could be reached, or none could reach a quorum ({Tried(last)})", last);
    }

    /// <summary>The endpoints and the last error, for a message.</summary>
    private string Tried(RpcException? last) =>
        $"tried {string.Join(", ", _endpoints.Select(e => e.Url))}; last error: {(last is null ? "none (no time for an attempt)" : $"{last.StatusCode} {last.Status.Detail}")}";

    /// <summary>
    /// Asks endpoint <paramref name="ask"/> who leads and remembers the answer; returns the leader's
    /// endpoint, or <see cref="NoLeader"/> when no leader is known, it is not one of the endpoints,
    /// it is <paramref name="failed"/> (which just failed the call, so the node's news is old), or
    /// the node did not answer. The call then goes to <paramref name="ask"/>, which forwards it, or
    /// fails and the call moves on.
    /// </summary>
    private async Task<int> LearnLeaderAsync(int ask, int failed, DateTime deadline, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await _endpoints[ask].Client.GetLeaderAsync(new V1.GetLeaderRequest(),
                new CallOptions(deadline: Min(deadline, DateTime.UtcNow + _attemptTimeout), cancellationToken: cancellationToken)).ConfigureAwait(false);
            int leader = Find(reply);
            if (leader == failed)
            {
                return NoLeader;
            }
            Volatile.Write(ref _leader, leader);
            return leader;
        }
        catch (RpcException) when (!cancellationToken.IsCancellationRequested)
        {
            return NoLeader;
        }
    }

    /// <summary>The endpoint of the leader a node named, or <see cref="NoLeader"/>.</summary>
    private int Find(V1.GetLeaderResponse reply) =>
        reply.Known ? Array.FindIndex(_endpoints, e => string.Equals(e.Authority, reply.LeaderUrl.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)) : NoLeader;

    private DateTime Deadline(TimeSpan? timeout)
    {
        var limit = timeout ?? _timeout;
        if (limit <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), limit, "must be positive");
        }
        return DateTime.UtcNow + limit;
    }

    private static void CheckKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    private static GrpcChannel OpenChannel(Uri url, PaxosClientOptions options) => GrpcChannel.ForAddress(url, new GrpcChannelOptions
    {
        HttpHandler = new ClientSecurity(options.CaCertificate is null ? null : new(options.CaCertificate), options.ClientCertificate, options.Token).Apply(new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(5),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        }),
        // Values are at most 1 MiB; a compare-and-swap answer carries one, plus a little framing.
        MaxReceiveMessageSize = 4 * 1024 * 1024,
        DisposeHttpClient = true,
    });
}
