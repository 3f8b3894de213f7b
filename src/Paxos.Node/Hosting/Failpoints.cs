namespace Paxos.Node.Hosting;

/// <summary>
/// Fault-injection points for crash tests, off unless the environment variable PAXOS_FAILPOINTS
/// names them (comma-separated). Supported:
/// <c>stall-after-accepts=K</c>: a proposer sends its Accept to the first K nodes only, then stalls
/// until the process is killed, so a test can kill a proposer in the middle of phase 2.
/// <c>stale-reads</c>: the node answers linearizable gets from its own replica without a read index,
/// a planted consistency bug that the chaos tests must catch.
/// </summary>
public sealed record Failpoints(int? StallAfterAccepts, bool StaleReads)
{
    public const string EnvironmentVariable = "PAXOS_FAILPOINTS";

    public static readonly Failpoints None = new(null, false);

    public static Failpoints FromEnvironment() => Parse(Environment.GetEnvironmentVariable(EnvironmentVariable));

    public static Failpoints Parse(string? text)
    {
        var result = None;
        foreach (string item in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] parts = item.Split('=', 2);
            result = parts[0] switch
            {
                "stall-after-accepts" when parts.Length == 2 && int.TryParse(parts[1], out int k) && k >= 0 => result with { StallAfterAccepts = k },
                "stale-reads" when parts.Length == 1 => result with { StaleReads = true },
                _ => throw new Configuration.ConfigException($"{EnvironmentVariable}: unknown or malformed failpoint '{item}'"),
            };
        }
        return result;
    }
}
