namespace Paxos.Bench;

/// <summary>The kind of cluster a benchmark talks to.</summary>
public enum BenchTarget
{
    /// <summary>A Paxos cluster, through its <c>paxos.v1.KeyValueService</c>.</summary>
    Paxos,

    /// <summary>An etcd cluster, through its v3 <c>etcdserverpb.KV</c> service.</summary>
    Etcd,
}
