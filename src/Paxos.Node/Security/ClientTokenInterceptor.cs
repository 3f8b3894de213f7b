using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Paxos.Node.Configuration;
using Paxos.Node.Hosting;

namespace Paxos.Node.Security;

/// <summary>
/// With <c>auth.tokens</c>, refuses every client call without <c>authorization: Bearer TOKEN</c>
/// of a known token (UNAUTHENTICATED), before its handler runs. Client calls are all but the
/// peers' <c>PaxosService</c> (which mutual TLS protects) and the gRPC health service (what
/// probes ask); <c>PaxosService.GetStatus</c>, which <c>paxos status</c> asks, is a client call.
/// The tokens file is read again when it changes.
/// </summary>
public sealed partial class ClientTokenInterceptor : Interceptor
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);
    private readonly ReloadingFiles<ClientTokens> _tokens;
    private readonly NodeMetrics _metrics;

    private ClientTokenInterceptor(ReloadingFiles<ClientTokens> tokens, NodeMetrics metrics)
    {
        _tokens = tokens;
        _metrics = metrics;
    }

    /// <summary>Reads the tokens file of <paramref name="auth"/>; a <see cref="ConfigException"/> if it cannot be read or used.</summary>
    public static ClientTokenInterceptor Load(AuthSettings auth, NodeMetrics metrics, ILogger logger)
    {
        try
        {
            return new ClientTokenInterceptor(new ReloadingFiles<ClientTokens>([auth.Tokens],
                files => ClientTokens.Parse(System.Text.Encoding.UTF8.GetString(files[0]), "auth.tokens " + auth.Tokens),
                e => LogReloadFailed(logger, auth.Tokens, e.Message), CheckInterval), metrics);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"auth.tokens: cannot read {auth.Tokens}: {e.Message}");
        }
    }

    /// <summary>Whether <paramref name="method"/> (<c>/package.Service/Method</c>) is a client call that needs a token.</summary>
    public static bool NeedsToken(string method) =>
        !method.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal)
        && (!method.StartsWith("/paxos.v1.PaxosService/", StringComparison.Ordinal) || method == "/paxos.v1.PaxosService/GetStatus");

    /// <inheritdoc/>
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, context);
    }

    /// <inheritdoc/>
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(requestStream, context);
    }

    /// <inheritdoc/>
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, responseStream, context);
    }

    /// <inheritdoc/>
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authenticate(ServerCallContext context)
    {
        if (!NeedsToken(context.Method) || _tokens.Current.Accepts(context.RequestHeaders.GetValue("authorization")))
        {
            return;
        }
        _metrics.ClientCallsUnauthenticated.Inc();
        throw new RpcException(new Status(StatusCode.Unauthenticated, "this cluster needs 'authorization: Bearer TOKEN' with a token of its auth.tokens file"));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "the tokens file changed but cannot be loaded ({Path}): {Reason}; keeping the previous tokens, trying again in a second")]
    private static partial void LogReloadFailed(ILogger logger, string path, string reason);
}
