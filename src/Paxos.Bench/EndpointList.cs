namespace Paxos.Bench;

/// <summary>
/// Turns <c>--endpoints</c> into URLs; without it, reads the node URLs of a Paxos cluster file
/// (CONTRACT.md section 2), taking only the <c>url:</c> entries of its <c>nodes:</c> list.
/// </summary>
public static class EndpointList
{
    /// <summary>The cluster file that <c>paxos cluster</c> writes by default, relative to the working directory.</summary>
    public const string DefaultClusterFile = "data/cluster.yaml";

    /// <summary>Parses a comma-separated list of http:// or https:// URLs.</summary>
    public static IReadOnlyList<Uri> Parse(string text)
    {
        var urls = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseUrl).ToList();
        return urls.Count > 0 ? urls : throw new BenchUsageException("--endpoints is empty");
    }

    /// <summary>The node URLs of a cluster file.</summary>
    public static IReadOnlyList<Uri> FromClusterFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new BenchUsageException($"no --endpoints given and no cluster file {path} (start a cluster with 'paxos cluster')");
        }
        return FromClusterYaml(File.ReadAllLines(path), path);
    }

    /// <summary>The <c>url:</c> values of the lines of a cluster file.</summary>
    public static IReadOnlyList<Uri> FromClusterYaml(IEnumerable<string> lines, string source)
    {
        var urls = new List<Uri>();
        foreach (string raw in lines)
        {
            string line = StripComment(raw).Trim();
            if (line.StartsWith('-'))
            {
                line = line[1..].TrimStart();
            }
            if (line.StartsWith("url:", StringComparison.Ordinal))
            {
                urls.Add(ParseUrl(line["url:".Length..].Trim().Trim('"', '\'')));
            }
        }
        return urls.Count > 0 ? urls : throw new BenchUsageException($"{source} names no node url");
    }

    private static string StripComment(string line)
    {
        int hash = line.IndexOf(" #", StringComparison.Ordinal);
        return hash >= 0 ? line[..hash] : line.StartsWith('#') ? "" : line;
    }

    private static Uri ParseUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new BenchUsageException($"endpoint '{text}' is not an http:// or https:// URL");
}
