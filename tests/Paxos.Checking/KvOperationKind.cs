namespace Paxos.Checking;

/// <summary>The operations of the key-value register model the checker understands.</summary>
public enum KvOperationKind
{
    /// <summary>Sets the key to a value (attached to a lease if <see cref="KvInput.Lease"/> is set); always succeeds.</summary>
    Put,

    /// <summary>Reads the key: found or not, and the value.</summary>
    Get,

    /// <summary>Removes the key; reports whether it existed.</summary>
    Delete,

    /// <summary>Sets the key to a new value if it currently matches the expectation.</summary>
    CompareAndSwap,

    /// <summary>
    /// A transaction at one index: compares its key (<see cref="KvInput.Compare"/>); on success puts
    /// its key and puts or deletes <see cref="KvInput.SecondKey"/>; on failure reads its key.
    /// </summary>
    Txn,

    /// <summary>The write a succeeded <see cref="Txn"/> made to its second key: how the checker sees that key's part of it.</summary>
    TxnWrite,

    /// <summary>Grants a lease; the output names it. Touches no key.</summary>
    LeaseGrant,

    /// <summary>Renews a lease; the output says whether it existed. Touches no key.</summary>
    LeaseKeepAlive,

    /// <summary>Ends a lease: every key whose value was put with it is deleted at that one index.</summary>
    LeaseRevoke,

    /// <summary>The leader's expiry of a lease (not a client's): deletes its keys as a revoke does.</summary>
    LeaseExpire,
}
