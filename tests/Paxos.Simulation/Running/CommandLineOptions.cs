using System.Globalization;
using Paxos.Simulation.Infrastructure;

namespace Paxos.Simulation.Running;

/// <summary>
/// The simulator's command line: <c>--seeds N [--start S]</c> runs seeds S..S+N-1 (defaults: 100
/// seeds from 1), <c>--seed S</c> replays one, <c>--nodes N</c> picks 3, 5 (default) or 7 nodes,
/// <c>--plant NAME</c> plants a bug, <c>--transfers on</c> adds leadership transfers, <c>--pre-vote off</c>
/// elects without pre-votes, <c>--membership on</c> changes the membership during each run, <c>--help</c> shows help.
/// </summary>
/// <param name="StartSeed">The first seed.</param>
/// <param name="SeedCount">How many consecutive seeds to run.</param>
/// <param name="NodeCount">Cluster size.</param>
/// <param name="Bug">The planted bug.</param>
/// <param name="ShowHelp">True if help was asked for; nothing is run.</param>
/// <param name="LeaderTransfers">True to hand the leadership around during each run (<see cref="SimulationRunOptions.LeaderTransfers"/>).</param>
/// <param name="PreVote">False to elect without pre-votes (<see cref="SimulationRunOptions.PreVote"/>).</param>
/// <param name="MembershipChanges">True to add, promote and remove nodes during each run (<see cref="SimulationRunOptions.MembershipChanges"/>).</param>
public sealed record CommandLineOptions(
    ulong StartSeed, long SeedCount, int NodeCount, PlantedBug Bug, bool ShowHelp, bool LeaderTransfers = false, bool PreVote = true, bool MembershipChanges = false)
{
    /// <summary>The options when none are given.</summary>
    public static CommandLineOptions Default { get; } = new(1, 100, 5, PlantedBug.None, false);

    /// <summary>Parses <paramref name="args"/>; on failure returns null and a message for the user in <paramref name="error"/>.</summary>
    public static CommandLineOptions? TryParse(IReadOnlyList<string> args, out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        CommandLineOptions options = Default;
        bool seedsGiven = false;
        bool startGiven = false;
        bool seedGiven = false;
        error = null;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "--help" or "-h")
            {
                return options with { ShowHelp = true };
            }

            if (i + 1 >= args.Count)
            {
                error = arg.StartsWith("--", StringComparison.Ordinal) ? $"{arg} needs a value" : $"unexpected argument '{arg}'";
                return null;
            }

            string value = args[++i];
            switch (arg)
            {
                case "--seeds" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long count) && count > 0:
                    options = options with { SeedCount = count };
                    seedsGiven = true;
                    break;
                case "--start" when ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong start):
                    options = options with { StartSeed = start };
                    startGiven = true;
                    break;
                case "--seed" when ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed):
                    options = options with { StartSeed = seed, SeedCount = 1 };
                    seedGiven = true;
                    break;
                case "--transfers" or "--pre-vote" or "--membership":
                    if (value is not ("on" or "off"))
                    {
                        error = $"{arg} must be on or off, not '{value}'";
                        return null;
                    }

                    options = arg switch
                    {
                        "--transfers" => options with { LeaderTransfers = value == "on" },
                        "--pre-vote" => options with { PreVote = value == "on" },
                        _ => options with { MembershipChanges = value == "on" },
                    };
                    break;
                case "--nodes" when value is "3" or "5" or "7":
                    options = options with { NodeCount = int.Parse(value, CultureInfo.InvariantCulture) };
                    break;
                case "--plant":
                    if (!PlantedBugs.TryParse(value, out PlantedBug bug))
                    {
                        error = $"unknown planted bug '{value}'; valid names: {string.Join(", ", PlantedBugs.Names)}";
                        return null;
                    }

                    options = options with { Bug = bug };
                    break;
                case "--seeds" or "--start" or "--seed":
                    error = $"{arg} needs a {(arg == "--seeds" ? "positive " : "")}whole number, not '{value}'";
                    return null;
                case "--nodes":
                    error = $"--nodes must be 3, 5 or 7, not '{value}'";
                    return null;
                default:
                    error = $"unknown option '{arg}'";
                    return null;
            }
        }

        if (seedGiven && (seedsGiven || startGiven))
        {
            error = "--seed replays one seed; it cannot be combined with --seeds or --start";
            return null;
        }

        return options;
    }
}
