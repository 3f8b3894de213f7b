using System.CommandLine;
using Grpc.Net.Client;
using Paxos.Node.Configuration;
using Paxos.Node.Hosting;

namespace Paxos.Cli.Commands;

/// <summary>The <c>--endpoints</c> option of client commands; by default the local cluster's file.</summary>
internal static class Endpoints
{
    public const string DefaultClusterFile = "data/cluster.yaml";

    public static Option<string?> CreateOption() => new("--endpoints")
    {
        Description = $"Comma-separated node URLs (default: the nodes of ./{DefaultClusterFile}, written by 'paxos cluster').",
    };

    /// <summary>The URLs to try, in order.</summary>
    public static IReadOnlyList<Uri> Resolve(string? endpoints)
    {
        if (!string.IsNullOrWhiteSpace(endpoints))
        {
            return [.. endpoints.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse)];
        }
        if (!File.Exists(DefaultClusterFile))
        {
            throw new ConfigException($"no --endpoints given and no local cluster file ./{DefaultClusterFile} (start one with 'paxos cluster')");
        }
        return [.. ClusterFile.Load(DefaultClusterFile).Nodes.Select(n => n.Url)];
    }

    public static GrpcChannel Channel(Uri url) => PeerChannels.Create(url);

    /// <summary>True when the call failed because the node could not be reached at all (so another node may be tried).</summary>
    public static bool IsNodeDown(Grpc.Core.RpcException e) =>
        e.StatusCode == Grpc.Core.StatusCode.Unavailable && e.Status.Detail.StartsWith("Error connecting", StringComparison.Ordinal);

    /// <summary>
    /// Runs <paramref name="call"/> against the first endpoint that answers (a node that cannot be
    /// reached is skipped) and turns gRPC errors into the contract's exit codes and one-line reasons.
    /// </summary>
    public static async Task<int> CallFirstAvailableAsync<TClient>(
        string? endpoints, Func<GrpcChannel, TClient> createClient, Func<TClient, CancellationToken, Task<int>> call, CancellationToken cancellationToken)
    {
        IReadOnlyList<Uri> urls;
        try
        {
            urls = Resolve(endpoints);
        }
        catch (ConfigException e)
        {
            return CliError.Report(CliError.BadUsage, e.Message);
        }
        Grpc.Core.RpcException? last = null;
        foreach (var url in urls)
        {
            using var channel = Channel(url);
            try
            {
                return await call(createClient(channel), cancellationToken).ConfigureAwait(false);
            }
            catch (Grpc.Core.RpcException e) when (IsNodeDown(e))
            {
                last = e;
            }
            catch (Grpc.Core.RpcException e)
            {
                return CliError.Report(
                    e.StatusCode is Grpc.Core.StatusCode.Unavailable or Grpc.Core.StatusCode.DeadlineExceeded ? CliError.Unavailable : CliError.Failed,
                    $"{e.StatusCode}: {e.Status.Detail}");
            }
        }
        return CliError.Report(CliError.Unavailable, $"no node answered ({string.Join(", ", urls)}): {last?.Status.Detail}");
    }

    private static Uri Parse(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new ConfigException($"endpoint '{text}' is not an http:// or https:// URL");
}
