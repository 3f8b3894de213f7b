using System.Globalization;

namespace Paxos.Cluster.Tests.Chaos;

/// <summary>
/// How long and how hard a chaos run goes. The defaults suit <c>dotnet test</c>; a longer run sets
/// the environment: PAXOS_CHAOS_SECONDS (faults for this long), PAXOS_CHAOS_SEED (the schedule of
/// faults and the clients' choices; the processes' timing is not reproducible), PAXOS_CHAOS_CLIENTS,
/// PAXOS_CHAOS_KEYS.
/// </summary>
internal sealed record ChaosSettings(TimeSpan Duration, int Seed, int Clients, int Keys)
{
    public static ChaosSettings FromEnvironment(TimeSpan defaultDuration) => new(
        TimeSpan.FromSeconds(Read("PAXOS_CHAOS_SECONDS", (int)defaultDuration.TotalSeconds, 1, 86_400)),
        Read("PAXOS_CHAOS_SEED", Environment.TickCount & int.MaxValue, 0, int.MaxValue),
        Read("PAXOS_CHAOS_CLIENTS", 4, 1, 64),
        Read("PAXOS_CHAOS_KEYS", 8, 1, 1_000));

    public override string ToString() =>
        $"seed {Seed}, {Duration.TotalSeconds:0} s of faults, {Clients} clients, {Keys} keys (PAXOS_CHAOS_SEED={Seed} replays the schedule)";

    private static int Read(string name, int fallback, int min, int max)
    {
        string? text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw new InvalidOperationException($"{name}={text}: expected a whole number from {min} to {max}");
        }
        return value;
    }
}
