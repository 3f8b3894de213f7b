namespace Paxos.Fuzz.Afl;

/// <summary>Every fuzz target, by the name <c>fuzz/run.sh</c> and the crash directories use.</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        PeerDeliveryTarget.Target,
        PeerRequestTarget.Target,
        WalTarget.Target,
        SnapshotTarget.Target,
        ClusterFileTarget.Target,
        CommandCodecTarget.Target,
        KeyValueSnapshotTarget.Target,
    ];

    public static FuzzTarget Named(string name) =>
        All.FirstOrDefault(target => target.Name == name)
        ?? throw new ArgumentException($"no fuzz target '{name}'; the targets are {string.Join(", ", All.Select(t => t.Name))}", nameof(name));
}
