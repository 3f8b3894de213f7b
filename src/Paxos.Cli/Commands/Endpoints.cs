using System.CommandLine;
using Grpc.Net.Client;
using Paxos.Node.Configuration;

namespace Paxos.Cli.Commands;

/// <summary>The <c>--endpoints</c> option of client commands (by default the local cluster's file) and the calls through it.</summary>
internal static class Endpoints
{
    public const string DefaultClusterFile = "data/cluster.yaml";

    public static Option<string?> CreateOption() => new("--endpoints")
    {
        Description = $"Comma-separated node URLs (default: the nodes of the local cluster in ./{DefaultClusterFile}, written by 'paxos cluster', and those 'paxos cluster add' added).",
    };

    /// <summary>The command line's TLS and token flags; set by Program before a command runs.</summary>
    public static ClientFlags Flags { get; set; } = ClientFlags.None;

    /// <summary>
    /// The URLs to try, in order, and how to reach them: <paramref name="endpoints"/> with the
    /// <see cref="Flags"/>, or the local cluster's file, whose <c>tls</c> and <c>auth</c> fill in
    /// the flags not given.
    /// </summary>
    public static ClientConnection Resolve(string? endpoints)
    {
        if (!string.IsNullOrWhiteSpace(endpoints))
        {
            return ClientConnection.Create([.. endpoints.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse)], Flags, cluster: null);
        }
        if (!File.Exists(DefaultClusterFile))
        {
            throw new ConfigException($"no --endpoints given and no local cluster file ./{DefaultClusterFile} (start one with 'paxos cluster')");
        }
        var nodes = LocalNodes.Load(Path.GetDirectoryName(DefaultClusterFile)!);
        return ClientConnection.Create([.. nodes.Current.Select(n => n.Url)], Flags, nodes.Founding);
    }

    /// <summary>
    /// <c>paxos bench</c>'s TLS and token: the <see cref="Flags"/>, and without <c>--endpoints</c>
    /// (the local cluster's nodes) what its file's <c>tls</c> and <c>auth</c> say.
    /// </summary>
    public static Paxos.Bench.BenchCredentials BenchCredentials(ParseResult parse)
    {
        var flags = ClientFlags.Read(parse);
        bool local = string.IsNullOrWhiteSpace(parse.GetValue<string?>("--endpoints")) && File.Exists(DefaultClusterFile);
        try
        {
            var (ca, cert, key, token) = ClientConnection.Settings(flags, local ? ClusterFile.Load(DefaultClusterFile) : null);
            return new Paxos.Bench.BenchCredentials(ca, cert, key, token);
        }
        catch (ConfigException e)
        {
            throw new Paxos.Bench.BenchUsageException(e.Message);
        }
    }

    /// <summary>
    /// Runs <paramref name="call"/> against the first endpoint that answers (a node that cannot be
    /// reached is skipped) and turns gRPC errors into the contract's exit codes and one-line reasons.
    /// For the single-decree commands, which <see cref="Paxos.Client.PaxosClient"/> does not serve;
    /// the others use <see cref="ClientCalls"/>.
    /// </summary>
    public static async Task<int> CallFirstAvailableAsync<TClient>(
        string? endpoints, Func<GrpcChannel, TClient> createClient, Func<TClient, CancellationToken, Task<int>> call, CancellationToken cancellationToken)
    {
        ClientConnection connection;
        try
        {
            connection = Resolve(endpoints);
        }
        catch (ConfigException e)
        {
            return CliError.Report(CliError.BadUsage, e.Message);
        }
        Grpc.Core.RpcException? last = null;
        var urls = connection.Urls;
        foreach (var url in urls)
        {
            using var channel = connection.Channel(url);
            try
            {
                return await call(createClient(channel), cancellationToken).ConfigureAwait(false);
            }
            catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.Unavailable && e.Status.Detail.StartsWith("Error connecting", StringComparison.Ordinal))
            {
                last = e;
            }
            catch (Grpc.Core.RpcException e) when (Paxos.Transport.Security.ClusterCertificates.IsHandshakeFailure(e))
            {
                return CliError.Report(CliError.BadUsage, $"TLS with {url.GetLeftPart(UriPartial.Authority)} failed (is the CA right, and the client certificate one of its?): {e.Status.Detail}");
            }
            catch (Grpc.Core.RpcException e)
            {
                return CliError.Report(e.StatusCode switch
                {
                    Grpc.Core.StatusCode.Unavailable or Grpc.Core.StatusCode.DeadlineExceeded => CliError.Unavailable,
                    Grpc.Core.StatusCode.FailedPrecondition => CliError.Refused,
                    _ => CliError.Failed,
                }, $"{e.StatusCode}: {e.Status.Detail}");
            }
        }
        return CliError.Report(CliError.Unavailable, $"no node answered ({string.Join(", ", urls)}): {last?.Status.Detail}");
    }

    private static Uri Parse(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new ConfigException($"endpoint '{text}' is not an http:// or https:// URL");
}
