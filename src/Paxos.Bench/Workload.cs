namespace Paxos.Bench;

/// <summary>What each request of a benchmark run does.</summary>
public enum Workload
{
    /// <summary>Every request writes a random key.</summary>
    Put,

    /// <summary>Every request reads a random key (preloaded before the run).</summary>
    Get,

    /// <summary>Reads and writes of random keys, reads in the proportion <c>--read-ratio</c>.</summary>
    Mixed,

    /// <summary>Every request is a compare-and-swap that moves a key from the value the client last saw to a new one.</summary>
    Cas,

    /// <summary>Every request is a transaction on the client's key: if its index is the one the client last saw, put a new value, else read it; successes and failures are counted apart.</summary>
    Txn,

    /// <summary>Every request renews one of <c>--keys</c> leases, all granted before the run: keep-alives per second.</summary>
    KeepAlive,
}
