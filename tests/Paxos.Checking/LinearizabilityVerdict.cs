namespace Paxos.Checking;

/// <summary>The answer of the linearizability checker.</summary>
public enum LinearizabilityVerdict
{
    /// <summary>A linearization exists.</summary>
    Linearizable,

    /// <summary>No linearization exists: the history proves a consistency bug.</summary>
    NotLinearizable,

    /// <summary>The search hit its effort bound before deciding.</summary>
    Inconclusive,
}
