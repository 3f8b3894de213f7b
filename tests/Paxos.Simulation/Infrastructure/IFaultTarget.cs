namespace Paxos.Simulation.Infrastructure;

/// <summary>The nodes a <see cref="FaultInjector{TMessage}"/> crashes, restarts, pauses and skews; implemented by <see cref="SimCluster{TNode}"/>.</summary>
public interface IFaultTarget
{
    /// <summary>Number of nodes.</summary>
    int NodeCount { get; }

    /// <summary>True while <paramref name="node"/> is running (not crashed).</summary>
    bool IsUp(int node);

    /// <summary>The node that currently believes it leads, if any.</summary>
    int? CurrentLeader();

    /// <summary>Kills <paramref name="node"/>'s process and crashes its disk.</summary>
    void Crash(int node, bool tearLastWrite);

    /// <summary>Starts a new process for a crashed <paramref name="node"/> from its disk.</summary>
    void Restart(int node);

    /// <summary>Sets <paramref name="node"/>'s clock drift rate.</summary>
    void SetClockDrift(int node, double rate);

    /// <summary>Freezes <paramref name="node"/>'s process for <paramref name="duration"/>.</summary>
    void Pause(int node, TimeSpan duration);

    /// <summary>Makes the next fsync on <paramref name="node"/>'s disk fail.</summary>
    void FailNextSync(int node);

    /// <summary>Fills <paramref name="node"/>'s disk for <paramref name="duration"/>.</summary>
    void FillDisk(int node, TimeSpan duration);

    /// <summary>Steps <paramref name="node"/>'s clock by <paramref name="delta"/>: its timers fire that much earlier (forward) or later (back).</summary>
    void JumpClock(int node, TimeSpan delta);

    /// <summary>Makes every fsync on <paramref name="node"/>'s disk take <paramref name="syncLatency"/>.</summary>
    void SlowDisk(int node, TimeSpan syncLatency);

    /// <summary>Crashes <paramref name="node"/> (if up) and flips one bit of a file on its disk.</summary>
    void DamageDisk(int node);
}
