namespace Paxos.Simulation.Infrastructure;

/// <summary>What a <see cref="SimNetwork{TMessage}"/> did to the messages sent through it.</summary>
public sealed class NetworkCounters
{
    /// <summary>Messages handed to the network.</summary>
    public long Sent { get; internal set; }

    /// <summary>Copies handed to a receiver.</summary>
    public long Delivered { get; internal set; }

    /// <summary>Messages lost by the drop fault.</summary>
    public long Dropped { get; internal set; }

    /// <summary>Messages delivered an extra time.</summary>
    public long Duplicated { get; internal set; }

    /// <summary>Messages exempted from FIFO order on their link.</summary>
    public long Reordered { get; internal set; }

    /// <summary>Messages held back by the delay fault.</summary>
    public long Delayed { get; internal set; }

    /// <summary>Messages that arrived damaged.</summary>
    public long Corrupted { get; internal set; }

    /// <summary>Copies lost because the link was cut when sent or when due.</summary>
    public long BlockedByPartition { get; internal set; }

    /// <summary>Partitions created (each call that cut links).</summary>
    public long Partitions { get; internal set; }

    /// <summary>Heals that restored links.</summary>
    public long Heals { get; internal set; }

    /// <summary>Faults the network injected: drops, duplicates, reorders, delays, damage and partitions.</summary>
    public long FaultsInjected => Dropped + Duplicated + Reordered + Delayed + Corrupted + Partitions;
}
