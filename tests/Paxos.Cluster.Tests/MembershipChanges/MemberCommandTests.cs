using Paxos.Cluster.Tests.Harness;

namespace Paxos.Cluster.Tests.MembershipChanges;

/// <summary>The exit codes of <c>paxos member</c> and <c>paxos leader transfer</c> without a cluster: bad usage 2, no node reachable 3.</summary>
public sealed class MemberCommandTests
{
    /// <summary>A port nothing listens on (taken and released at once).</summary>
    private static readonly string Nowhere = $"http://127.0.0.1:{FreePorts.Take(1)[0]}";

    [Theory]
    [InlineData("member", "add", "node-5", "ftp://127.0.0.1:7005")]
    [InlineData("member", "add", "node-5")]
    [InlineData("member", "promote")]
    [InlineData("member", "frobnicate")]
    [InlineData("leader", "transfer")]
    public async Task Bad_usage_exits_2_with_a_one_line_reason(params string[] arguments)
    {
        string output = await NodeProcess.RunAsync(2, [.. arguments, "--endpoints", Nowhere]);
        Assert.Single(output.Split('\n'));
        Assert.StartsWith("error: ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("member", "list")]
    [InlineData("member", "remove", "node-1")]
    [InlineData("leader", "transfer", "node-1")]
    public async Task No_node_reachable_exits_3(params string[] arguments) =>
        Assert.Contains("no node answered", await NodeProcess.RunAsync(3, [.. arguments, "--endpoints", Nowhere]), StringComparison.Ordinal);
}
