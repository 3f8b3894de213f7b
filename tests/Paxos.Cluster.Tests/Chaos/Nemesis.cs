using Paxos.Cluster.Tests.Harness;

namespace Paxos.Cluster.Tests.Chaos;

/// <summary>
/// The faults of a chaos run, on real processes of a cluster with proxies: one episode at a time, each a fault, a hold of
/// 0.5 to 3 seconds, then recovery, with 0.5 to 2 seconds of calm between episodes. Episodes:
/// SIGKILL a random node or the leader and restart it on its data; SIGSTOP a random node or the
/// leader (past the election timeout, so a new leader is elected while the old one sleeps and
/// wakes up believing it leads) and SIGCONT it; cut a random node or the leader off the network
/// (its <see cref="TcpProxy"/>: it hears nobody, the others still hear it) and heal it; kill two nodes; take three of five down (the cluster must block,
/// never answer wrongly); kill all five and restart them. The schedule comes from the seed; when it
/// runs depends on the processes.
/// </summary>
internal sealed class Nemesis(LocalCluster cluster, Random random, Action<string> log)
{
    private readonly HashSet<int> _killed = [];
    private readonly HashSet<int> _paused = [];
    private readonly HashSet<int> _cut = [];

    public int Episodes { get; private set; }

    public async Task RunAsync(TimeSpan duration)
    {
        var end = DateTime.UtcNow + duration;
        while (DateTime.UtcNow < end)
        {
            await EpisodeAsync().ConfigureAwait(false);
            Episodes++;
            await Task.Delay(Between(500, 2_000)).ConfigureAwait(false);
        }
    }

    /// <summary>Resumes every paused node and restarts every killed one.</summary>
    public async Task HealAsync()
    {
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

    private async Task EpisodeAsync()
    {
        int roll = random.Next(100);
        if (roll < 14)
        {
            Kill(RandomNode());
        }
        else if (roll < 26)
        {
            Kill(await LeaderOrRandomAsync().ConfigureAwait(false));
        }
        else if (roll < 38)
        {
            Pause(RandomNode());
        }
        else if (roll < 50)
        {
            Pause(await LeaderOrRandomAsync().ConfigureAwait(false));
        }
        else if (roll < 62)
        {
            CutOff(RandomNode());
        }
        else if (roll < 74)
        {
            CutOff(await LeaderOrRandomAsync().ConfigureAwait(false));
        }
        else if (roll < 84)
        {
            Kill(await LeaderOrRandomAsync().ConfigureAwait(false));
            Kill(RandomNode());
        }
        else if (roll < 93)
        {
            log("taking a majority down: the cluster must block, not answer wrongly");
            Pause(await LeaderOrRandomAsync().ConfigureAwait(false));
            Kill(RandomNode());
            CutOff(RandomNode());
        }
        else
        {
            log("killing every node");
            for (int node = 0; node < cluster.Size; node++)
            {
                Kill(node);
            }
        }
        await Task.Delay(Between(500, 3_000)).ConfigureAwait(false);
        await HealAsync().ConfigureAwait(false);
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
        int[] up = [.. Enumerable.Range(0, cluster.Size).Where(n => !IsDown(n))];
        return up[random.Next(up.Length)];
    }

    /// <summary>The node that says it leads, if a running node does; otherwise a random running node.</summary>
    private async Task<int> LeaderOrRandomAsync()
    {
        int fallback = RandomNode();
        try
        {
            return await cluster.WaitForLeaderAsync(TimeSpan.Zero, Enumerable.Range(0, cluster.Size).Where(IsDown).ToHashSet()).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return fallback; // no running node says it leads (one pass over them)
        }
    }

    private TimeSpan Between(int minMilliseconds, int maxMilliseconds) => TimeSpan.FromMilliseconds(random.Next(minMilliseconds, maxMilliseconds));
}
