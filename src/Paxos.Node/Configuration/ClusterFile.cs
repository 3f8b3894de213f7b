using Paxos.Node.Hosting;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Paxos.Node.Configuration;

/// <summary>Reads and writes the YAML cluster file. Unknown keys are ignored; anything unusable is a <see cref="ConfigException"/>.</summary>
public static class ClusterFile
{
    private sealed class FileModel
    {
        public List<NodeModel>? Nodes { get; set; }
        public string? ClusterToken { get; set; }

        public TlsModel? Tls { get; set; }

        public AuthModel? Auth { get; set; }

        public LimitsModel? Limits { get; set; }
    }

    /// <summary>The <c>limits</c> block: <see cref="ServerLimits"/>'s properties in snake case, each optional.</summary>
    private sealed class LimitsModel
    {
        public long? MaxConnections { get; set; }
        public long? MaxConnectionsPerClient { get; set; }
        public long? MaxStreamsPerConnection { get; set; }
        public long? MaxClientCallsInFlight { get; set; }
        public long? MaxClientCallsInFlightPerClient { get; set; }
        public long? MaxClientRequestBytesInFlight { get; set; }
        public long? MaxClientRequestBytesInFlightPerClient { get; set; }
        public long? MaxClientResponseBytesPerConnection { get; set; }
        public long? MaxClientStreams { get; set; }
        public long? MaxClientStreamsPerClient { get; set; }
        public long? ResponseWriteTimeoutSeconds { get; set; }
    }

    private sealed class TlsModel
    {
        public string? Ca { get; set; }
        public string? Cert { get; set; }
        public string? Key { get; set; }
    }

    private sealed class AuthModel
    {
        public string? Tokens { get; set; }
    }

    private sealed class NodeModel
    {
        public string? Id { get; set; }
        public string? Url { get; set; }
        public int? Port { get; set; }
    }

    /// <summary>Reads the cluster file at <paramref name="path"/>; a <see cref="ConfigException"/> saying what is wrong if it cannot be used.</summary>
    public static ClusterConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"cannot read cluster file '{path}': {e.Message}");
        }
        return Parse(text, path, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
    }

    /// <summary>Reads a cluster file's text.</summary>
    /// <param name="yaml">The file's text.</param>
    /// <param name="source">How errors name the file.</param>
    /// <param name="folder">What relative paths in the file (<c>tls</c>, <c>auth</c>) are relative to: the file's folder.</param>
    public static ClusterConfig Parse(string yaml, string source, string folder = ".")
    {
        FileModel? model;
        try
        {
            model = new DeserializerBuilder()
                .WithNamingConvention(UnderscoredNamingConvention.Instance)
                .IgnoreUnmatchedProperties()
                .Build()
                .Deserialize<FileModel?>(yaml);
        }
        catch (YamlException e)
        {
            throw new ConfigException($"{source}: not a valid cluster file at line {e.Start.Line}, column {e.Start.Column}: {(e.InnerException ?? e).Message}");
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet's parser throws these, not a YamlException, on some malformed text (a tag
            // that is not a URI, an escape beyond Unicode, tokens after the end): found by AFL.
            throw new ConfigException($"{source}: not a valid cluster file: {e.Message}");
        }
        if (model?.Nodes is not { Count: > 0 } nodes)
        {
            throw new ConfigException($"{source}: 'nodes' is missing or empty");
        }
        var entries = new List<NodeEntry>(nodes.Count);
        for (int i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i] ?? throw new ConfigException($"{source}: node #{i + 1} is empty");
            if (string.IsNullOrWhiteSpace(node.Id))
            {
                throw new ConfigException($"{source}: node #{i + 1} has no id");
            }
            if (!Uri.TryCreate(node.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                throw new ConfigException($"{source}: node '{node.Id}' has url '{node.Url}', which is not an http:// or https:// URL");
            }
            int port = node.Port ?? url.Port;
            if (port is < 1 or > 65535)
            {
                throw new ConfigException($"{source}: node '{node.Id}' has port {port}, which is not in 1..65535");
            }
            entries.Add(new NodeEntry(node.Id, url, port));
        }
        if (model.Tls is not null && entries.Find(e => e.Url.Scheme != Uri.UriSchemeHttps) is { } plain)
        {
            throw new ConfigException($"{source}: with 'tls', every node speaks only TLS, so node '{plain.Id}' needs an https:// url, not '{plain.Url}'");
        }
        return new ClusterConfig(entries, model.ClusterToken ?? "")
        {
            Tls = model.Tls is { } tls ? ParseTls(tls, source, folder) : null,
            Auth = model.Auth is { } auth ? new AuthSettings(ResolvePath(auth.Tokens, "auth.tokens", source, folder)) : null,
            Limits = model.Limits is { } limits ? ParseLimits(limits, source) : null,
        };
    }

    /// <summary>The limits the block sets, the defaults for the others; each at least 1.</summary>
    private static ServerLimits ParseLimits(LimitsModel limits, string source)
    {
        var defaults = new ServerLimits();
        int Count(long? value, string key, int fallback) => (int)Check(value, key, fallback, int.MaxValue);
        long Check(long? value, string key, long fallback, long max) =>
            value is not { } set ? fallback
            : set is >= 1 && set <= max ? set
            : throw new ConfigException($"{source}: 'limits.{key}' is {set}, which is not in 1..{max}");
        return new ServerLimits
        {
            MaxConnections = Count(limits.MaxConnections, "max_connections", defaults.MaxConnections),
            MaxConnectionsPerClient = Count(limits.MaxConnectionsPerClient, "max_connections_per_client", defaults.MaxConnectionsPerClient),
            MaxStreamsPerConnection = Count(limits.MaxStreamsPerConnection, "max_streams_per_connection", defaults.MaxStreamsPerConnection),
            MaxClientCallsInFlight = Count(limits.MaxClientCallsInFlight, "max_client_calls_in_flight", defaults.MaxClientCallsInFlight),
            MaxClientCallsInFlightPerClient = Count(limits.MaxClientCallsInFlightPerClient, "max_client_calls_in_flight_per_client", defaults.MaxClientCallsInFlightPerClient),
            MaxClientRequestBytesInFlight = Check(limits.MaxClientRequestBytesInFlight, "max_client_request_bytes_in_flight", defaults.MaxClientRequestBytesInFlight, long.MaxValue),
            MaxClientRequestBytesInFlightPerClient = Check(limits.MaxClientRequestBytesInFlightPerClient, "max_client_request_bytes_in_flight_per_client",
                defaults.MaxClientRequestBytesInFlightPerClient, long.MaxValue),
            MaxClientResponseBytesPerConnection = Check(limits.MaxClientResponseBytesPerConnection, "max_client_response_bytes_per_connection",
                defaults.MaxClientResponseBytesPerConnection, long.MaxValue),
            MaxClientStreams = Count(limits.MaxClientStreams, "max_client_streams", defaults.MaxClientStreams),
            MaxClientStreamsPerClient = Count(limits.MaxClientStreamsPerClient, "max_client_streams_per_client", defaults.MaxClientStreamsPerClient),
            ResponseWriteTimeout = TimeSpan.FromSeconds(Check(limits.ResponseWriteTimeoutSeconds, "response_write_timeout_seconds",
                (long)defaults.ResponseWriteTimeout.TotalSeconds, MaxResponseWriteTimeoutSeconds)),
        };
    }

    /// <summary>The longest <c>limits.response_write_timeout_seconds</c>: an hour.</summary>
    private const int MaxResponseWriteTimeoutSeconds = 3600;

    private static TlsSettings ParseTls(TlsModel tls, string source, string folder) => new(
        ResolvePath(tls.Ca, "tls.ca", source, folder),
        ResolvePath(tls.Cert, "tls.cert", source, folder),
        ResolvePath(tls.Key, "tls.key", source, folder));

    private static string ResolvePath(string? path, string key, string source, string folder) =>
        string.IsNullOrWhiteSpace(path)
            ? throw new ConfigException($"{source}: '{key}' is missing or empty")
            : Path.GetFullPath(path, Path.GetFullPath(folder));

    /// <summary>The file's text; <c>tls</c> and <c>auth</c> paths as they are in <paramref name="config"/>.</summary>
    public static string Render(ClusterConfig config)
    {
        var writer = new StringWriter();
        if (config.ClusterToken.Length > 0)
        {
            writer.WriteLine($"cluster_token: '{config.ClusterToken.Replace("'", "''", StringComparison.Ordinal)}'");
        }
        if (config.Tls is { } tls)
        {
            writer.WriteLine("tls:");
            writer.WriteLine($"  ca: {tls.Ca}");
            writer.WriteLine($"  cert: {tls.Cert}");
            writer.WriteLine($"  key: {tls.Key}");
        }
        if (config.Auth is { } auth)
        {
            writer.WriteLine("auth:");
            writer.WriteLine($"  tokens: {auth.Tokens}");
        }
        if (config.Limits is { } limits)
        {
            writer.WriteLine("limits:");
            writer.WriteLine($"  max_connections: {limits.MaxConnections}");
            writer.WriteLine($"  max_connections_per_client: {limits.MaxConnectionsPerClient}");
            writer.WriteLine($"  max_streams_per_connection: {limits.MaxStreamsPerConnection}");
            writer.WriteLine($"  max_client_calls_in_flight: {limits.MaxClientCallsInFlight}");
            writer.WriteLine($"  max_client_calls_in_flight_per_client: {limits.MaxClientCallsInFlightPerClient}");
            writer.WriteLine($"  max_client_request_bytes_in_flight: {limits.MaxClientRequestBytesInFlight}");
            writer.WriteLine($"  max_client_request_bytes_in_flight_per_client: {limits.MaxClientRequestBytesInFlightPerClient}");
            writer.WriteLine($"  max_client_response_bytes_per_connection: {limits.MaxClientResponseBytesPerConnection}");
            writer.WriteLine($"  max_client_streams: {limits.MaxClientStreams}");
            writer.WriteLine($"  max_client_streams_per_client: {limits.MaxClientStreamsPerClient}");
            writer.WriteLine($"  response_write_timeout_seconds: {Math.Max(1, (long)Math.Ceiling(limits.ResponseWriteTimeout.TotalSeconds))}");
        }
        writer.WriteLine("nodes:");
        foreach (var node in config.Nodes)
        {
            writer.WriteLine($"  - id: {node.Id}");
            writer.WriteLine($"    url: {node.Url.GetLeftPart(UriPartial.Authority)}");
            writer.WriteLine($"    port: {node.Port}");
        }
        return writer.ToString();
    }
}
