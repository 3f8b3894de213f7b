namespace Paxos.Core.Replication;

/// <summary>
/// Follow-the-writes leader placement, kept by the leader: it counts which node each proposed
/// command came in through (itself, or the follower that forwarded it), window by window, and names
/// a successor when one other node brought in nearly all of a busy window's commands. A client that
/// writes through one node then has its writes served there without the forwarding hops (two
/// one-way messages per write), as CockroachDB moves a range's lease toward the load.
/// </summary>
/// <remarks>
/// A window counts only while this node leads; <see cref="Reset"/> starts a new one when the
/// leadership changes. Writes spread over several nodes never name a successor (no node reaches the
/// share), and since the share is above one half at most one node can qualify, so two nodes never
/// hand the leadership back and forth under a steady load. Pure and deterministic: it is fed ticks
/// and counts, and uses no clock.
/// </remarks>
public sealed class LeaderPlacement
{
    private readonly int self;
    private readonly int windowTicks;
    private readonly int minCommands;
    private readonly int sharePercent;
    private readonly long[] commandsFrom;
    private long total;
    private int elapsed;

    /// <param name="clusterSize">Number of nodes.</param>
    /// <param name="self">This node's number.</param>
    /// <param name="windowTicks">Ticks per counting window.</param>
    /// <param name="minCommands">Fewer commands than this in a window never move the leadership.</param>
    /// <param name="sharePercent">The share of a window's commands (51 to 100) one other node must have brought in.</param>
    public LeaderPlacement(int clusterSize, int self, int windowTicks, int minCommands, int sharePercent)
    {
        Invariant.Check(clusterSize >= 1 && self >= 0 && self < clusterSize, "the node is one of the cluster");
        Invariant.Check(windowTicks >= 1 && minCommands >= 1, "a window lasts a tick and needs a command at least");
        Invariant.Check(sharePercent is > 50 and <= 100, "the share must be a majority of the window's commands");
        this.self = self;
        this.windowTicks = windowTicks;
        this.minCommands = minCommands;
        this.sharePercent = sharePercent;
        commandsFrom = new long[clusterSize];
    }

    /// <summary>This leader proposed a command that came in through <paramref name="origin"/>.</summary>
    public void CountCommand(int origin)
    {
        commandsFrom[origin]++;
        total++;
    }

    /// <summary>
    /// One tick while this node leads. At the end of a window: the node that should lead instead
    /// (another node that brought in at least the share of at least the minimum of commands), or -1.
    /// </summary>
    public int Tick()
    {
        if (++elapsed < windowTicks)
        {
            return -1;
        }

        int successor = -1;
        if (total >= minCommands)
        {
            for (int node = 0; node < commandsFrom.Length; node++)
            {
                if (node != self && commandsFrom[node] * 100 >= total * sharePercent)
                {
                    successor = node;
                }
            }
        }

        Reset();
        return successor;
    }

    /// <summary>Starts a new window (the leadership changed).</summary>
    public void Reset()
    {
        Array.Clear(commandsFrom);
        total = 0;
        elapsed = 0;
    }
}
