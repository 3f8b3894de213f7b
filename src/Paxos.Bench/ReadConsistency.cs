namespace Paxos.Bench;

/// <summary>How the reads of a benchmark are served.</summary>
public enum ReadConsistency
{
    /// <summary>Reads see every write acknowledged before them.</summary>
    Linearizable,

    /// <summary>Reads are answered by the replica asked and may be stale.</summary>
    Serializable,
}
