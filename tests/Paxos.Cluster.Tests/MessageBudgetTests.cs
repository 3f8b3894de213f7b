using Paxos.Node.Configuration;
using Paxos.Node.Hosting;
using Paxos.Transport;

namespace Paxos.Cluster.Tests;

/// <summary>The one maximum message size against what one message must carry, checked before a node starts.</summary>
public sealed class MessageBudgetTests
{
    private static readonly ClusterConfig Cluster = new([new NodeEntry("a", new Uri("http://127.0.0.1:7000"), 7000)]);

    [Fact]
    public void The_default_maximum_carries_the_largest_command_result_slot_and_chunk()
    {
        new NodeOptions(Cluster, "a", "data").Validate();

        Assert.Null(MessageBudget.Problem(WireLimits.MaxMessageBytes, maxBatchCommands: 1024));
        Assert.True(MessageBudget.MaxBatchBytes >= MessageBudget.LargestCommandBytes);
    }

    [Fact]
    public void A_maximum_too_small_for_the_largest_command_is_a_clear_start_up_error()
    {
        var options = new NodeOptions(Cluster, "a", "data") { MaxMessageBytes = 2 * 1024 * 1024 };

        var error = Assert.Throws<ConfigException>(options.Validate);

        Assert.Contains("the maximum message size (2097152 bytes) is too small: the largest command", error.Message, StringComparison.Ordinal);
    }
}
