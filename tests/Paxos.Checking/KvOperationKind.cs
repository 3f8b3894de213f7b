namespace Paxos.Checking;

/// <summary>The operations of the key-value register model the checker understands.</summary>
public enum KvOperationKind
{
    /// <summary>Sets the key to a value; always succeeds.</summary>
    Put,

    /// <summary>Reads the key: found or not, and the value.</summary>
    Get,

    /// <summary>Removes the key; reports whether it existed.</summary>
    Delete,

    /// <summary>Sets the key to a new value if it currently matches the expectation.</summary>
    CompareAndSwap,
}
