using Grpc.Core;
using Paxos.Client;
using Paxos.Node.Configuration;
using Paxos.Transport.Security;

namespace Paxos.Cli.Commands;

/// <summary>
/// Runs a client command's calls through one <see cref="PaxosClient"/> and turns its exceptions into
/// the contract's exit codes and one-line reasons (CONTRACT.md sections 3 and 4): 2 bad usage or
/// configuration, 3 no quorum or no node reachable (a write's outcome then unknown), 4 a refused
/// membership change, 1 anything else.
/// </summary>
internal static class ClientCalls
{
    /// <summary>Runs <paramref name="call"/> with a client of the <c>--endpoints</c> (or the local cluster's nodes), each of its calls within <paramref name="timeout"/>.</summary>
    public static async Task<int> RunAsync(string? endpoints, TimeSpan timeout, Func<PaxosClient, CancellationToken, Task<int>> call, CancellationToken cancellationToken)
    {
        ClientConnection connection;
        try
        {
            connection = Endpoints.Resolve(endpoints);
        }
        catch (ConfigException e)
        {
            return CliError.Report(CliError.BadUsage, e.Message);
        }
        return await RunAsync(connection, timeout, call, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc cref="RunAsync(string?, TimeSpan, Func{PaxosClient, CancellationToken, Task{int}}, CancellationToken)"/>
    public static async Task<int> RunAsync(ClientConnection connection, TimeSpan timeout, Func<PaxosClient, CancellationToken, Task<int>> call, CancellationToken cancellationToken)
    {
        await using var client = connection.Client(timeout);
        try
        {
            return await call(client, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PaxosException or PaxosInvalidArgumentException)
        {
            return Report(e);
        }
    }

    /// <summary>Reports a failed call of <see cref="PaxosClient"/> and returns its exit code.</summary>
    public static int Report(Exception e) => e switch
    {
        PaxosRefusedException => CliError.Report(CliError.Refused, Reason(e)),
        PaxosNoQuorumException => CliError.Report(CliError.Unavailable, $"no node answered: {e.Message}"),
        PaxosOutcomeUnknownException => CliError.Report(CliError.Unavailable, e.Message),
        PaxosRpcException when e.InnerException is RpcException inner && ClusterCertificates.IsHandshakeFailure(inner) =>
            CliError.Report(CliError.BadUsage, $"TLS with the node failed (is --cacert the cluster's CA, and --cert one of its?): {inner.Status.Detail}"),
        _ => CliError.Report(CliError.Failed, Reason(e)),
    };

    /// <summary>The node's answer as <c>STATUS: detail</c>, as the nodes word it; the client's message when there was none.</summary>
    private static string Reason(Exception e) => e.InnerException is RpcException answer ? $"{answer.StatusCode}: {answer.Status.Detail}" : e.Message;
}
