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
    }

    private sealed class NodeModel
    {
        public string? Id { get; set; }
        public string? Url { get; set; }
        public int? Port { get; set; }
    }

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
        return Parse(text, path);
    }

    public static ClusterConfig Parse(string yaml, string source)
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
        return new ClusterConfig(entries, model.ClusterToken ?? "");
    }

    public static string Render(ClusterConfig config)
    {
        var writer = new StringWriter();
        if (config.ClusterToken.Length > 0)
        {
            writer.WriteLine($"cluster_token: '{config.ClusterToken.Replace("'", "''", StringComparison.Ordinal)}'");
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
