using Paxos.Node.Configuration;
using Paxos.Node.Hosting;

namespace Paxos.TestNode;

/// <summary>
/// Fault-injection points for crash tests, named (comma-separated) in the environment variable
/// PAXOS_FAILPOINTS of a <c>paxos-test-node</c> process; the shipped <c>paxos</c> knows none of this.
/// <c>stall-after-accepts=K</c>: a proposer sends its Accept to the first K nodes only, then stalls
/// until the process is killed, so a test can kill a proposer in the middle of phase 2.
/// <c>stale-reads</c>: the node answers linearizable gets from its own replica without a read index,
/// a planted consistency bug that the chaos tests must catch.
/// </summary>
public static class Failpoints
{
    public const string EnvironmentVariable = "PAXOS_FAILPOINTS";

    /// <summary>The node's test hooks for the failpoints <paramref name="text"/> names; throws <see cref="ConfigException"/> for an unknown one.</summary>
    internal static TestHooks Parse(string? text)
    {
        var result = TestHooks.None;
        foreach (string item in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] parts = item.Split('=', 2);
            result = parts[0] switch
            {
                "stall-after-accepts" when parts.Length == 2 && int.TryParse(parts[1], out int k) && k >= 0 => result with { StallAfterAccepts = k },
                "stale-reads" when parts.Length == 1 => result with { SkipReadIndex = true },
                _ => throw new ConfigException($"{EnvironmentVariable}: unknown or malformed failpoint '{item}'"),
            };
        }
        return result;
    }
}
