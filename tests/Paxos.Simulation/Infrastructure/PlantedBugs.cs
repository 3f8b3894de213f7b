namespace Paxos.Simulation.Infrastructure;

/// <summary>The command-line names of <see cref="PlantedBug"/> values.</summary>
public static class PlantedBugs
{
    private static readonly (string Name, PlantedBug Bug)[] Known =
    [
        ("forget-promise", PlantedBug.ForgetPromise),
        ("ignore-accepted", PlantedBug.IgnoreAccepted),
        ("stale-read", PlantedBug.StaleRead),
        ("ack-before-fsync", PlantedBug.AckBeforeFsync),
        ("skip-recovery", PlantedBug.SkipRecovery),
        ("leave-stranded", PlantedBug.LeaveStranded),
        ("install-older-snapshot", PlantedBug.InstallOlderSnapshot),
        ("forward-twice", PlantedBug.ForwardTwice),
        ("skip-snapshot-dir-sync", PlantedBug.SkipSnapshotDirSync),
        ("stale-membership", PlantedBug.StaleMembership),
        ("trust-snapshot-in-transit", PlantedBug.TrustSnapshotInTransit),
        ("lease-ignores-keep-alive", PlantedBug.LeaseIgnoresKeepAlive),
        ("txn-half", PlantedBug.TxnHalf),
        ("watch-misses-snapshot", PlantedBug.WatchMissesSnapshot),
    ];

    /// <summary>Every accepted name, in documentation order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Known.Select(k => k.Name)];

    /// <summary>Parses a name (exact, lower case); false for anything else, including "none".</summary>
    public static bool TryParse(string? name, out PlantedBug bug)
    {
        foreach ((string known, PlantedBug value) in Known)
        {
            if (string.Equals(known, name, StringComparison.Ordinal))
            {
                bug = value;
                return true;
            }
        }

        bug = PlantedBug.None;
        return false;
    }

    /// <summary>Parses a name or throws an <see cref="ArgumentException"/> that lists the valid names.</summary>
    public static PlantedBug Parse(string? name) => TryParse(name, out PlantedBug bug)
        ? bug
        : throw new ArgumentException($"unknown planted bug '{name}'; valid names: {string.Join(", ", Names)}", nameof(name));

    /// <summary>The command-line name of <paramref name="bug"/>, or "none".</summary>
    public static string NameOf(PlantedBug bug) =>
        bug == PlantedBug.None ? "none" : Known.Single(k => k.Bug == bug).Name;
}
