using System.Globalization;

namespace Paxos.Simulation.Tests;

/// <summary>
/// Where the seeds no fixed test tries begin: PAXOS_SIM_SEED_START, which CI sets anew for every
/// run (and prints, so a failure can be replayed), or <see cref="DefaultStart"/> when it is unset.
/// </summary>
public static class FreshSeeds
{
    public const string EnvironmentVariable = "PAXOS_SIM_SEED_START";

    /// <summary>The start without the variable: far from the fixed tests' seeds 1 to a few hundred.</summary>
    public const ulong DefaultStart = 1_000_000;

    public static ulong Start => Parse(Environment.GetEnvironmentVariable(EnvironmentVariable));

    public static ulong Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return DefaultStart;
        }
        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong start) || start == 0 || start > ulong.MaxValue / 2)
        {
            throw new InvalidOperationException($"{EnvironmentVariable}={text}: expected a whole number from 1 to {ulong.MaxValue / 2}");
        }
        return start;
    }
}
