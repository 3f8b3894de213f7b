using Paxos.Cluster.Tests.Harness;
using Paxos.Cluster.Tests.MembershipChanges;

namespace Paxos.Cluster.Tests.Chaos;

/// <summary>
/// The faults of a chaos run, on real processes of a cluster with proxies: one episode at a time, each a fault, a hold of
/// 0.5 to 3 seconds (3 to 4 with a majority down), then recovery, with 0.5 to 2 seconds of calm between episodes. The kinds of
/// episode (<see cref="EpisodeKind"/>) come in rounds, each kind once per round in an order the
/// seed shuffles: SIGKILL a random node or the leader and restart it on its data; SIGSTOP a random
/// node or the leader (past the election timeout, so a new leader is elected while the old one
/// sleeps and wakes up believing it leads) and SIGCONT it; cut a random node or the leader off the
/// network (its <see cref="TcpProxy"/>: it hears nobody, the others still hear it) and heal it;
/// kill two nodes; take three of five down (the cluster must block, never answer wrongly); kill
/// all five and restart them. Faults go on for the run's duration and then until every kind has
/// run at least once (<see cref="Ran"/>; at most a minute longer). The schedule comes from the
/// seed; when it runs depends on the processes. Each stretch of time during which a majority of
/// nodes was killed, paused or cut off is recorded in <see cref="MajorityDown"/>, on the clock of
/// the run's history. With a <see cref="MembershipCluster"/> (whose nodes <c>cluster</c> holds), a
/// further kind replaces a member: removes it (it must stop by itself), then starts the next spare
/// node joining, adds it as a learner and promotes it once caught up; the other kinds act on the
/// members of the moment.
/// </summary>
internal sealed class Nemesis(LocalCluster cluster, Random random, Func<TimeSpan> clock, Action<string> log, MembershipCluster? membership = null)
{
    /// <summary>How long faults may go on past the run's duration for a kind of episode that has not run yet.</summary>
    private static readonly TimeSpan Overtime = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan LeaderWait = TimeSpan.FromSeconds(5);

    private readonly HashSet<int> _killed = [];
    private readonly HashSet<int> _paused = [];
    private readonly HashSet<int> _cut = [];
    private readonly EpisodeKind[] _kinds = Kinds(membership is not null);
    private readonly List<int> _members = [.. Enumerable.Range(0, cluster.Founders)];
    private readonly Dictionary<EpisodeKind, int> _ran = Kinds(membership is not null).ToDictionary(kind => kind, _ => 0);
    private int _nextSpare = cluster.Founders;
    private readonly List<(TimeSpan From, TimeSpan To)> _majorityDown = [];
    private TimeSpan? _majorityDownSince;

    public int Episodes { get; private set; }

    /// <summary>How many episodes of each kind ran as intended (a leader episode whose target was the leader, every fault of it in effect at once).</summary>
    public IReadOnlyDictionary<EpisodeKind, int> Ran => _ran;

    /// <summary>Intervals (on the history's clock) from the moment a majority of nodes was down to the first step of healing them.</summary>
    public IReadOnlyList<(TimeSpan From, TimeSpan To)> MajorityDown => _majorityDown;

    /// <summary>The nodes that are members now (the founders unless nodes were replaced).</summary>
    public IReadOnlyList<int> Members => _members;

    public async Task RunAsync(TimeSpan duration)
    {
        var end = DateTime.UtcNow + duration;
        var deck = new Queue<EpisodeKind>();
        while (DateTime.UtcNow < end || (_ran.Values.Any(count => count == 0) && DateTime.UtcNow < end + Overtime))
        {
            if (deck.Count == 0)
            {
                EpisodeKind[] kinds = [.. _kinds];
                random.Shuffle(kinds);
                deck = new Queue<EpisodeKind>(kinds);
            }
            cluster.AssertNoNodeExitedByItself();
            await EpisodeAsync(deck.Dequeue()).ConfigureAwait(false);
            Episodes++;
            await Task.Delay(Between(500, 2_000)).ConfigureAwait(false);
        }
    }

    /// <summary>Resumes every paused node and restarts every killed one.</summary>
    public async Task HealAsync()
    {
        if (_majorityDownSince is { } since)
        {
            _majorityDown.Add((since, clock()));
            _majorityDownSince = null;
        }
        foreach (int node in _cut)
        {
            cluster.Proxy(node).Heal();
            log($"healed the partition of node {node}");
        }
        _cut.Clear();
        foreach (int node in _paused)
        {
            cluster.Process(node).Signal(Signals.SigCont);
            log($"resumed node {node} (SIGCONT)");
        }
        _paused.Clear();
        foreach (int node in _killed)
        {
            cluster.Start(node);
        }
        foreach (int node in _killed)
        {
            await cluster.WaitListeningAsync(node).ConfigureAwait(false);
            log($"restarted node {node}");
        }
        _killed.Clear();
    }

    private async Task EpisodeAsync(EpisodeKind kind)
    {
        bool wantsLeader = kind is EpisodeKind.KillLeader or EpisodeKind.PauseLeader or EpisodeKind.CutOffLeader or EpisodeKind.KillLeaderAndAnother or EpisodeKind.MajorityDown;
        int? leader = wantsLeader ? await LeaderAsync().ConfigureAwait(false) : null;
        int target = leader ?? RandomNode();
        int expectedDown = 1;
        switch (kind)
        {
            case EpisodeKind.KillRandom or EpisodeKind.KillLeader:
                Kill(target);
                break;
            case EpisodeKind.PauseRandom or EpisodeKind.PauseLeader:
                Pause(target);
                break;
            case EpisodeKind.CutOffRandom or EpisodeKind.CutOffLeader:
                CutOff(target);
                break;
            case EpisodeKind.KillLeaderAndAnother:
                Kill(target);
                Kill(RandomNode());
                expectedDown = 2;
                break;
            case EpisodeKind.MajorityDown:
                log("taking a majority down: the cluster must block, not answer wrongly");
                Pause(target);
                Kill(RandomNode());
                CutOff(RandomNode());
                expectedDown = 3;
                break;
            case EpisodeKind.KillAll:
                log("killing every node");
                foreach (int node in _members)
                {
                    Kill(node);
                }
                expectedDown = _members.Count;
                break;
            case EpisodeKind.ReplaceNode:
                expectedDown = await ReplaceAsync(target).ConfigureAwait(false) ? 0 : -1;
                break;
        }
        int down = _members.Count(IsDown);
        if (down > _members.Count / 2)
        {
            _majorityDownSince = clock();
        }
        if (down == expectedDown && (!wantsLeader || leader is not null))
        {
            _ran[kind]++;
        }
        else
        {
            log($"episode {kind} did not run as intended: {down} nodes down of {expectedDown}{(wantsLeader && leader is null ? ", no leader found" : "")}");
        }
        // A majority stays down for 3 to 4 s: several times a call's 1 s timeout, so writes sent and
        // timed out while it is down are there to check (none may be acknowledged).
        await Task.Delay(down > _members.Count / 2 ? Between(3_000, 4_000) : Between(500, 3_000)).ConfigureAwait(false);
        await HealAsync().ConfigureAwait(false);
    }

    /// <summary>Every kind of episode; <see cref="EpisodeKind.ReplaceNode"/> only with membership changes.</summary>
    private static EpisodeKind[] Kinds(bool membership) => [.. Enum.GetValues<EpisodeKind>().Where(kind => membership || kind != EpisodeKind.ReplaceNode)];

    /// <summary>Replaces member <paramref name="node"/> by the next spare node; false when no spare is left.</summary>
    private async Task<bool> ReplaceAsync(int node)
    {
        if (membership is null || _nextSpare >= cluster.Size)
        {
            log("no spare node left to replace a member with");
            return false;
        }
        int spare = _nextSpare++;
        log($"replacing node {node} by node {spare}: remove it, then add {spare} as a learner and promote it");
        await membership.RemoveAsync(node).ConfigureAwait(false);
        _members.Remove(node);
        await membership.GrowAsync(spare).ConfigureAwait(false);
        _members.Add(spare);
        log($"node {spare} replaced node {node}; members now {string.Join(", ", _members)}");
        return true;
    }

    private bool IsDown(int node) => _killed.Contains(node) || _paused.Contains(node) || _cut.Contains(node);

    private void CutOff(int node)
    {
        if (IsDown(node))
        {
            return;
        }
        _cut.Add(node);
        cluster.Proxy(node).Cut();
        log($"cut node {node} off the network (it hears nobody; the others still hear it)");
    }

    private void Kill(int node)
    {
        if (_paused.Contains(node) || _cut.Contains(node) || !_killed.Add(node))
        {
            return;
        }
        cluster.Kill(node);
    }

    private void Pause(int node)
    {
        if (_killed.Contains(node) || _cut.Contains(node) || !_paused.Add(node))
        {
            return;
        }
        cluster.Process(node).Signal(Signals.SigStop);
        log($"paused node {node} (SIGSTOP)");
    }

    /// <summary>A node that is neither killed, paused nor cut off, at random.</summary>
    private int RandomNode()
    {
        int[] up = [.. _members.Where(n => !IsDown(n))];
        return up[random.Next(up.Length)];
    }

    /// <summary>The node that says it leads, waiting a few seconds for one (a fault just healed may have left none); null if none does.</summary>
    private async Task<int?> LeaderAsync()
    {
        try
        {
            return await cluster.WaitForLeaderAsync(LeaderWait, Enumerable.Range(0, cluster.Size).Where(n => IsDown(n) || !_members.Contains(n)).ToHashSet()).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private TimeSpan Between(int minMilliseconds, int maxMilliseconds) => TimeSpan.FromMilliseconds(random.Next(minMilliseconds, maxMilliseconds));
}
