using System.Text;
using Paxos.Node.Configuration;
using Paxos.Node.Hosting;

namespace Paxos.Fuzz.Afl;

/// <summary>
/// The cluster file: it parses, and its rendering parses to the same cluster id, or it is a
/// <see cref="ConfigException"/>, the start-up error that names the file.
/// </summary>
public static class ClusterFileTarget
{
    public static IReadOnlyList<string> Files { get; } =
    [
        "nodes:\n  - id: node-0\n    url: http://127.0.0.1:7000\n    port: 7000\n  - id: node-1\n    url: http://127.0.0.1:7001\n    port: 7001\n",
        "cluster_token: 'prod-1'\nnodes:\n  - id: a\n    url: https://a.example:443\n  - id: b\n    url: http://[::1]:9\n    port: 10\n",
        "# comment\nnodes: [{id: x, url: 'http://h:1'}, {id: y, url: \"http://h:2\", port: 2}]\nextra: {deep: [1, 2, {a: b}]}\n",
        "nodes:\n  - &n {id: a, url: http://h:1}\n  - {id: b, url: http://h:2}\nalias: *n\n",
        "tls:\n  ca: ca.pem\n  cert: node.pem\n  key: node.key\nauth:\n  tokens: tokens.txt\nnodes:\n  - id: a\n    url: https://h:1\n",
    ];

    public static FuzzTarget Target { get; } = new("cluster-file", () => [.. Files.Select(Encoding.UTF8.GetBytes)], Take, typeof(ConfigException));

    private static void Take(byte[] input)
    {
        var config = ClusterFile.Parse(Encoding.UTF8.GetString(input), "fuzz.yaml");
        var again = ClusterFile.Parse(ClusterFile.Render(config), "rendered.yaml");
        if (ClusterId.Founding(config) != ClusterId.Founding(again))
        {
            throw new InvalidOperationException("the rendered cluster file founds another cluster than the file it renders");
        }
    }
}
